"""Safe writing into the output folder.

Each file is written to a temporary `.part` file beside its target, flushed to disk, and
moved into place with os.replace only when complete and checked, so a failed or
interrupted build never leaves a half-written output and never destroys an earlier good
one. A build stages every output first and commits them together only when all passed
(`stage` / `commit` / `discard`). A path may be written only once per build, and never
outside the output folder (no '..', no absolute paths, no links leading out of it).
Only one build writes an output folder at a time: `prepare` locks the folder (o-004 when
another build holds it). Every problem is an OutputError carrying an o-00x finding.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .findings import finding, shown_path
from .model import SourceRef

PART_SUFFIX = ".part"

# `.<target name>.<pid>.<random>.part`: the pid tells a live build's file from a stale one.
_PART = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")

_REASONS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
            errno.EPERM: "permission denied"}


def _error(code: str, message: str, path: Path | None, hint: str | None = None) -> OutputError:
    where = SourceRef(shown_path(path)) if path is not None else None
    return OutputError(f"{shown_path(path)}: {message}" if path is not None else message,
                       [finding(code, message, source=where, hint=hint)])


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


def _read_only(path: Path) -> bool:
    """Read-only by its permission bits, even for root (who may write anyway): a file or
    folder someone protected is not replaced behind their back."""
    return not os.access(path, os.W_OK) or not path.stat().st_mode & stat.S_IWUSR


def check_output_place(project_root: Path, where: Path, *, what: str = "the output folder",
                       root_allowed: bool = False) -> None:
    """Refuse to write into the project's own files: its source/ or layouts/ folder (or
    anything inside them), and (unless `root_allowed`: one custom file may be written beside
    the project's folders) the project folder itself (`publish build -o ''` is the working
    folder; `-o source` the content). Raises OutputError o-005."""
    root = Path(project_root).resolve()
    place = Path(where or ".").resolve()
    inside = [root / "source", root / "layouts"]
    if (place == root and not root_allowed) or any(place == f or place.is_relative_to(f) for f in inside):
        raise _error("o-005", f"{what} is the project's own folder, or its content or layouts folder", place,
                     hint="Write outputs to handouts/ (the default) or to a folder of their own, with -o DIR.")


def safe_target(out_dir: Path, relative: str | Path) -> Path:
    """`out_dir / relative`, refusing anything that would land outside `out_dir`."""
    out_dir = Path(out_dir).resolve()
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise _error("o-003", f"'{relative}' is not a path inside the output folder", out_dir)
    target = (out_dir / relative).resolve()  # follows links: a link out of the folder is caught
    if target == out_dir or out_dir not in target.parents:
        raise _error("o-003", f"'{relative}' leads outside the output folder (to {shown_path(target)})", out_dir)
    return target


@dataclass
class _Staged:
    part: Path
    target: Path


class OutputWriter:
    """Writes files atomically and refuses to write one path twice in a build."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.written: set[Path] = set()
        self.staged: list[_Staged] = []
        self._lock: FolderLock | None = None

    # -- before anything is rendered ----------------------------------------------------
    def prepare(self) -> Path:
        """Check (and if needed create) the output folder; remove `.part` files that an
        interrupted earlier build left behind. Returns the resolved folder."""
        out = self.out_dir
        if not out.exists():
            if not out.parent.is_dir():
                raise _error("o-001", f"the output folder does not exist, nor does {shown_path(out.parent)}", out,
                             hint="Check the path, or create the folder first.")
            try:
                out.mkdir()
            except OSError as exc:
                raise _error("o-001", f"cannot create the output folder: {_reason(exc)}", out) from exc
        if not out.is_dir():
            raise _error("o-001", "the output folder is a file, not a folder", out,
                         hint="Choose another output folder with -o.")
        if _read_only(out):
            raise _error("o-001", "the output folder is read-only", out,
                         hint="Make the folder writable, or choose another one with -o.")
        if self._lock is None:  # held until this writer is gone (the build has returned)
            self._lock = lock_folder(out)
            weakref.finalize(self, self._lock.release)
        self.remove_stale_parts()
        return out.resolve()

    def remove_stale_parts(self) -> list[Path]:
        """Delete temporary files of builds that are no longer running (killed, crashed)."""
        removed = []
        for folder in [self.out_dir, *(p for p in self.out_dir.iterdir() if p.is_dir() and not p.is_symlink())]:
            for path in folder.glob(f".*{PART_SUFFIX}"):
                match = _PART.match(path.name)
                if match and not _alive(int(match["pid"])) and path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path)
        return removed

    def claim(self, target: Path) -> Path:
        """Reserve a path before anything is rendered for it; refuse a second claim and a
        target that cannot be replaced."""
        target = Path(target).resolve()
        if target in self.written:
            raise _error("o-002", "two outputs would write this same file", target,
                         hint="Give each output its own path (edition id, topic id or -o).")
        if target.is_dir():
            raise _error("o-001", "a folder is in the way of this output", target)
        if target.exists() and _read_only(target):
            raise _error("o-001", "the file is read-only; it was not replaced", target,
                         hint="Make the file writable (or delete it), then build again.")
        folder = next((p for p in target.parents if p.exists()), None)
        if folder is not None and (not folder.is_dir() or _read_only(folder)):
            raise _error("o-001", f"cannot write into {shown_path(folder)}: "
                         f"{'it is a file' if not folder.is_dir() else 'the folder is read-only'}", target)
        self.written.add(target)
        return target

    # -- writing --------------------------------------------------------------------------
    def stage(self, target: Path, data: bytes) -> Path:
        """Write `data` completely to a temporary file beside `target` (not yet in place)."""
        item = self._stage(Path(target), data)
        self.staged.append(item)
        return item.part

    def _stage(self, target: Path, data: bytes) -> _Staged:
        folder = target.parent
        part = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=PART_SUFFIX,
                                        dir=folder)
            part = Path(name)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(part, 0o644)
        except OSError as exc:
            if part is not None:
                part.unlink(missing_ok=True)
            raise _error("o-001", f"cannot write the file: {_reason(exc)}", target) from exc
        return _Staged(part, target)

    def commit(self) -> list[Path]:
        """Move every staged file into place (each move is atomic)."""
        done = []
        while self.staged:
            item = self.staged[0]
            try:
                os.replace(item.part, item.target)
            except OSError as exc:
                self.discard()
                raise _error("o-001", f"cannot replace the file: {_reason(exc)}"
                             + (f" ({len(done)} other file(s) were already replaced)" if done else ""),
                             item.target) from exc
            self.staged.pop(0)
            done.append(item.target)
        return done

    def discard(self) -> None:
        """Remove staged files that were not committed (a failed build changes nothing)."""
        for item in self.staged:
            item.part.unlink(missing_ok=True)
        self.staged = []

    def write(self, target: Path, data: bytes) -> Path:
        """Write one file at once: staged beside the target, then moved into place."""
        item = self._stage(Path(target), data)
        try:
            os.replace(item.part, item.target)
        except OSError as exc:
            item.part.unlink(missing_ok=True)
            raise _error("o-001", f"cannot replace the file: {_reason(exc)}", item.target) from exc
        return item.target


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


# -- one build per output folder ------------------------------------------------------------

@dataclass
class _Held:
    fd: int
    count: int


_HELD: dict[Path, _Held] = {}  # folders this process holds the lock of


@dataclass
class FolderLock:
    """This process's hold on an output folder's lock; `release` once per `lock_folder`."""

    folder: Path
    released: bool = False

    def release(self) -> None:
        held = _HELD.get(self.folder)
        if self.released or held is None:
            return
        self.released = True
        held.count -= 1
        if held.count == 0:
            del _HELD[self.folder]
            os.close(held.fd)  # closing the file ends the lock


def lock_folder(folder: Path) -> FolderLock:
    """Lock an output folder for this build (fcntl.flock on the folder itself: nothing is
    created in it), or stop at once with o-004 when another process holds it. The kernel
    ends the lock with the process, so a killed build leaves no stale lock. Within one
    process the lock is shared: a server or a test may run builds one after another. A file
    system that cannot lock (some network shares) builds without it."""
    folder = Path(folder).resolve()
    if folder in _HELD:
        _HELD[folder].count += 1
        return FolderLock(folder)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _error("o-001", f"cannot open the output folder: {_reason(exc)}", folder) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise _error("o-004", "another build is writing into this folder right now; nothing was written",
                         folder) from None
        return FolderLock(folder, released=True)  # no locks here: build as before
    _HELD[folder] = _Held(fd, 1)
    return FolderLock(folder)


def forget_locks() -> None:
    """In a forked worker: drop the inherited references to the parent's folder locks, so
    that only the parent holds them (and they end with its build)."""
    for held in _HELD.values():
        os.close(held.fd)
    _HELD.clear()
