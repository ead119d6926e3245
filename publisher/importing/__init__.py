"""`publish import`: a clinic's existing handout (.docx, .html, .md) -> a new topic folder.

The steps, each in its own module:
    documents.read_document  file -> pandoc tree (+ what Word holds that pandoc drops)
    outline.make_outline     tree -> sections by heading, ids, pictures, notes
    topicfiles.topic_files   outline -> {relative path: bytes} in the content format
    import_document (here)   writes those files all or nothing, then reads the new topic
                             with the same reader as `publish build`, so the report lists
                             exactly what `publish build` would (c- codes), beside the
                             importer's own notes (i- codes) and each section's reading level.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError, OutputError
from ..findings import Finding, Severity, finding, shown_path
from ..model import SourceRef
from .documents import ImportFailed, read_document
from .outline import make_outline
from .topicfiles import reading_levels, topic_files

__all__ = ["ImportFailed", "ImportResult", "import_document"]


@dataclass
class ImportResult:
    """What an import made: the topic folder, the files written (relative to it), and the
    report (every finding, in the order an editor should work through them)."""

    folder: Path
    files: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def import_document(source: Path, topic_id: str, into: Path, *, today=None,
                    patient_edition=None) -> ImportResult:
    """Import `source` as the new topic `into/<topic_id>`.

    `patient_edition` is the patient handout (`model.Edition`) whose reading-level targets the
    report measures each section against (None: levels without targets).
    Writes nothing unless the whole topic can be written; never writes outside
    `into/<topic_id>` (and a hidden staging folder beside it, removed at the end).
    Raises ImportFailed (the document cannot be read), ContentError (bad topic id) or
    OutputError (the topic exists, or the folder cannot be written).
    """
    from ..read import ID_RE, read_topic

    source, into = Path(source), Path(into)
    if not ID_RE.match(topic_id or ""):
        raise ContentError([finding("c-017", f"'{topic_id}' is not a valid topic id",
                                    hint="Use lowercase letters, digits and hyphens, e.g. blood-sugar.")])
    target = into / topic_id
    if target.exists() or target.is_symlink():
        raise OutputError(f"{target} already exists; nothing was written", [finding(
            "i-005", "the topic folder already exists", source=SourceRef(str(target)),
            hint="Choose another --topic id, or move the existing folder away first.")])
    if not into.is_dir():
        raise OutputError(f"{into} is not a folder; nothing was written", [finding(
            "o-001", "the folder to import into does not exist", source=SourceRef(str(into)),
            hint="Create it first, or pass --into with an existing folder (default: source/).")])
    _remove_dead_staging(into)
    document = read_document(source)
    outline = make_outline(document)
    files = topic_files(document, outline, topic_id, today=today)
    staging = into / f".import-{topic_id}-{os.getpid()}"
    try:
        folder = staging / topic_id
        for rel, data in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            read_topic(folder)
            build_findings: list[Finding] = []
        except ContentError as exc:
            build_findings = list(exc.findings)
        levels = reading_levels(outline, folder, patient_edition, document.language, shown=target)
        try:
            os.rename(folder, target)  # atomic: the topic appears whole or not at all
        except OSError as exc:
            raise OutputError(f"cannot create {target}: {exc.strerror}", [finding(
                "o-001", f"cannot create the topic folder ({exc.strerror})", source=SourceRef(str(target)))]) from None
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"cannot write into {into}: {exc.strerror}", [finding(
            "o-001", f"cannot write the topic ({exc.strerror})", source=SourceRef(str(into)))]) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    moved = [_moved(f, folder, target) for f in build_findings]
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    report = sorted(moved + document.notes + outline.notes, key=lambda f: order[f.severity]) + levels
    return ImportResult(folder=target, files=sorted(files), findings=report)


def _moved(f: Finding, staged: Path, final: Path) -> Finding:
    """A finding about the staged topic, naming the file where it now is (the reader names
    files as an editor sees them: relative to the working folder when inside it)."""
    if not f.file:
        return f
    for before, after in ((str(shown_path(staged)), str(shown_path(final))),
                          (str(staged.absolute()), str(final.absolute())), (str(staged), str(final))):
        if f.file.startswith(before):
            return Finding(f.code, f.message, f.severity, after + f.file[len(before):], f.line, f.hint, f.tool)
    return f


def _remove_dead_staging(into: Path) -> None:
    """Remove staging folders left by an import that was killed (its process is gone)."""
    for folder in into.glob(".import-*-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process
