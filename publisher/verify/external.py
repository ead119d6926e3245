"""Built files (or bytes about to be written) -> the external validators' verdicts.

EPUBCheck and Ace check EPUBs, axe checks HTML pages; PDFs have no external validator here
(veraPDF cannot be installed: ../shared/STANDARDS.md section 1). Calls are batched: one JVM for
all EPUBs, one browser session for all pages.

False positives: none today. The outputs are clean under EPUBCheck 5.3.0, Ace 1.4.6 and
axe-core 4.14.1 with nothing filtered. Should a tool ever report something that is its own
bug, drop it here, in `validate_files`, and only with a comment linking the upstream issue.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..findings import Finding, Severity
from ..formats import format_of_path
from .ace import run_ace
from .axe import run_axe
from .epubcheck import run_epubcheck
from .tools import Tools, ValidatorRun, find_tools, unavailable


def validate_files(files: dict[Path, str], *, tools: Tools | None = None) -> list[ValidatorRun]:
    """Run every external validator that applies to each file. `files` maps a path on disk to
    the name the findings should carry (the path the user knows)."""
    if any(not _utf8(p) for p in files):
        # Java, Node and Chromium take paths as text: a file whose path is not UTF-8 (a name
        # the OS allows) is checked as a copy under a plain name, reported under its own.
        with tempfile.TemporaryDirectory(prefix="publish-check-") as tmp:
            plain = {}
            for index, (path, name) in enumerate(files.items()):
                if _utf8(path):
                    plain[path] = name
                    continue
                copy = Path(tmp) / str(index) / (path.name if _utf8(Path(path.name)) else f"file{path.suffix}")
                copy.parent.mkdir()
                shutil.copyfile(path, copy)
                plain[copy] = name
            return validate_files(plain, tools=tools)
    tools = tools or find_tools()
    def judged_by(validator: str) -> dict[Path, str]:
        """The files whose format (formats.Format.validators) this validator judges."""
        return {p: n for p, n in files.items() if validator in getattr(format_of_path(p), "validators", ())}

    epubs, pages = judged_by("epubcheck"), judged_by("axe")
    if judged_by("ace") != epubs:  # pragma: no cover - the Format records say both judge EPUBs
        raise ValueError("EPUBCheck and Ace judge the same files")
    # One after the other: on 2 cores, running the JVM and two browsers side by side was slower.
    return run_epubcheck(epubs, tools) + run_ace(epubs, tools) + run_axe(pages, tools)


def validate_bytes(items: list[tuple[str, bytes]], *, tools: Tools | None = None) -> list[ValidatorRun]:
    """The same for outputs not yet written: (name, data) pairs, each checked in a temporary
    file that has the output's own file name, so the tools' messages read as they will later."""
    with tempfile.TemporaryDirectory(prefix="publish-check-") as tmp:
        files = {}
        for index, (name, data) in enumerate(items):
            path = Path(tmp) / str(index) / Path(name).name
            path.parent.mkdir()
            path.write_bytes(data)
            files[path] = name
        return validate_files(files, tools=tools)


def _utf8(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def findings_of(runs: list[ValidatorRun]) -> list[Finding]:
    return [f for run in runs for f in run.findings]


def missing_for_full_check(tools: Tools | None = None) -> list[Finding]:
    """`--check full` was asked for: a v-001 error for each validator that cannot run here
    (never a warning and a build that exits 0 without the check the user asked for)."""
    tools = tools or find_tools()
    found = []
    for tool in ("epubcheck", "ace", "axe"):
        missing = tools.missing_for(tool)
        if missing:
            plain = unavailable(tool, missing)
            found.append(Finding("v-001", f"--check full needs it, and it cannot run here: {plain.message}",
                                 Severity.ERROR, None, None,
                                 f"{plain.hint} Or build with --check fast (our own checks only).", tool))
    return found
