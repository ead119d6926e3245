"""Safe writing into the output folder.

Each file is written to a temporary file beside its target and moved into place with
os.replace only when complete, so a failed or interrupted build never leaves a
half-written file and never destroys an earlier good output. A path may be written only
once per build, and never outside the output folder.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def safe_target(out_dir: Path, relative: str | Path) -> Path:
    """`out_dir / relative`, refusing anything that would land outside `out_dir`."""
    out_dir = Path(out_dir).resolve()
    target = (out_dir / relative).resolve()
    if target != out_dir and out_dir not in target.parents:
        raise OutputError(f"'{relative}' would be written outside the output folder {out_dir}")
    return target


class OutputWriter:
    """Writes files atomically and refuses to write one path twice in a build."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.written: set[Path] = set()

    def claim(self, target: Path) -> None:
        """Reserve a path before anything is rendered for it."""
        target = Path(target).resolve()
        if target in self.written:
            raise OutputError(f"two outputs would write the same file {target}")
        self.written.add(target)

    def write(self, target: Path, data: bytes) -> Path:
        target = Path(target)
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {folder}: {exc.strerror}") from exc
        if target.exists() and not os.access(target, os.W_OK):
            raise OutputError(f"cannot replace {target}: the file is read-only")
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
            raise OutputError(f"cannot write {target}: {reason}") from exc
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
        return target
