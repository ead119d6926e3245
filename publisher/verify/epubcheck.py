"""EPUB files -> EPUBCheck 5.3.0 verdicts (`ValidatorRun`s of `e-002` findings).

EPUBCheck runs with usage messages on (`--usage`) and JSON reports; all files go through one
JVM when Java's single-file source launcher is there (runners/EpubCheckBatch.java), else one
`java -jar` call per file. Severities are EPUBCheck's own: FATAL and ERROR are errors,
WARNING a warning, USAGE and INFO are info.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ..findings import Finding, Severity
from .tools import Tools, ValidatorRun, skipped_runs

TOOL = "epubcheck"
BATCH = Path(__file__).parent / "runners" / "EpubCheckBatch.java"
SEVERITIES = {"FATAL": Severity.ERROR, "ERROR": Severity.ERROR, "WARNING": Severity.WARNING,
              "USAGE": Severity.INFO, "INFO": Severity.INFO}
TIMEOUT = 900  # seconds for one JVM; about 3 s a book after the JVM has started


def summary_line(checker: dict) -> str:
    """EPUBCheck's own count line, e.g. `0 fatal / 0 errors / 0 warnings / 0 usages`."""
    version = checker.get("checkerVersion", "?")
    return (f"EPUBCheck {version}: {checker.get('nFatal', '?')} fatal / {checker.get('nError', '?')} errors / "
            f"{checker.get('nWarning', '?')} warnings / {checker.get('nUsage', '?')} usages")


def parse_report(report: dict, *, file: str) -> ValidatorRun:
    """One EPUBCheck JSON report -> a ValidatorRun with one finding per message."""
    findings = []
    for message in report.get("messages", []):
        severity = SEVERITIES.get(message.get("severity", "ERROR"), Severity.ERROR)
        locations = message.get("locations") or []
        where = ""
        if locations:
            first = locations[0]
            where = f" (in {first.get('path')}"
            if first.get("line", -1) and first.get("line", -1) > 0:
                where += f", line {first['line']}"
                if first.get("column", -1) > 0:
                    where += f", column {first['column']}"
            where += ")"
            more = len(locations) - 1 + int(message.get("additionalLocations") or 0)
            if more > 0:
                where += f" and {more} more place(s)"
        hint = message.get("suggestion") or None
        findings.append(Finding("e-002", f"{message.get('ID')}: {message.get('message', '').strip()}{where}",
                                severity, file, None, hint, TOOL))
    return ValidatorRun(TOOL, file, summary_line(report.get("checker", {})), tuple(findings))


def run_epubcheck(files: dict[Path, str], tools: Tools) -> list[ValidatorRun]:
    """Check each EPUB on disk; `files` maps its path to the name findings should carry."""
    if not files:
        return []
    skipped = skipped_runs(TOOL, tools, files.values())
    if skipped:
        return skipped
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as tmp:
        reports = {path: Path(tmp) / f"report-{i}.json" for i, path in enumerate(files)}
        args = [str(a) for path, report in reports.items() for a in (path, report)]
        errors = _run([str(tools.java), "-cp", str(tools.epubcheck_jar), str(BATCH), *args])
        for path, report in reports.items():  # no JDK compiler, or the batch stopped: one JVM each
            if not report.exists():
                errors = _run([str(tools.java), "-jar", str(tools.epubcheck_jar), str(path), "--usage",
                               "--json", str(report)])
        runs = []
        for path, report in reports.items():
            name = files[path]
            if report.exists():
                runs.append(parse_report(json.loads(report.read_text(encoding="utf-8")), file=name))
            else:
                runs.append(ValidatorRun(TOOL, name, "EPUBCheck did not run", (Finding(
                    "e-002", f"EPUBCheck wrote no report: {errors or 'no message'}", Severity.ERROR, name, None,
                    "Run `java -jar <epubcheck.jar> FILE` by hand to see why.", TOOL),)))
    return runs


def _run(command: list[str]) -> str:
    """Run a command; return the tail of its error output (EPUBCheck prints progress there)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return (done.stderr or "").strip()[-500:]

