"""Findings -> text for people or JSON for machines. The only formatter."""
from __future__ import annotations

import json

from .findings import Finding


def format_finding(f: Finding) -> str:
    """`c-004 [error] source/x/sections/a.md line 12: what is wrong. Hint: how to fix it.`"""
    where = f.file or ""
    if f.line:
        where += f" line {f.line}"
    tool = f" ({f.tool})" if f.tool != "publish" else ""
    return f"{f.code} [{f.severity.value}]{tool} {where + ': ' if where else ''}{f.message}. Hint: {f.hint_text}"


def format_text(findings) -> str:
    return "\n".join(format_finding(f) for f in findings)


def format_json(findings, **extra) -> str:
    return json.dumps({**extra, "findings": [
        {"code": f.code, "severity": f.severity.value, "file": f.file, "line": f.line,
         "message": f.message, "hint": f.hint_text, "title": f.title, "tool": f.tool}
        for f in findings]}, indent=2)


def human_size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"


def format_validation(run) -> str:
    """A validator's summary line for one file (a verify.tools.ValidatorRun)."""
    if run.skipped:
        return f"skipped {run.tool}: {run.summary.removeprefix('skipped: ')} (see v-001 below)"
    return f"{run.file}: {run.summary}"


def format_check_json(report) -> str:
    """`publish check --format json`: the files, each validator's verdict, and the findings."""
    return format_json(report.findings, files=report.files, errors=report.errors, validations=[
        {"tool": r.tool, "file": r.file, "summary": r.summary, "skipped": r.skipped,
         "findings": len(r.findings)} for r in report.validations])
