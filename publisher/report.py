"""Findings -> text for people or JSON for machines. The only formatter."""
from __future__ import annotations

import json
import re

from .findings import Finding

# Line breaks and other control characters from the content (an id, a title) would split
# a finding over several lines or hide part of it: show them as escapes.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def format_finding(f: Finding) -> str:
    """`c-004 [error] source/x/sections/a.md line 12: what is wrong. Hint: how to fix it.`"""
    where = f.file or ""
    if f.line:
        where += f" line {f.line}"
    tool = f" ({f.tool})" if f.tool != "publish" else ""
    return _one_line(f"{f.code} [{f.severity.value}]{tool} {where + ': ' if where else ''}{f.message}. "
                     f"Hint: {f.hint_text}")


def format_text(findings) -> str:
    return "\n".join(format_finding(f) for f in findings)


def format_json(findings, **extra) -> str:
    return json.dumps({**extra, "findings": [
        {"code": f.code, "severity": f.severity.value, "file": f.file, "line": f.line,
         "message": f.message, "hint": f.hint_text, "title": f.title, "tool": f.tool}
        for f in findings]}, indent=2)


def human_size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"


def format_reading(name: str, reading, edition) -> str:
    """A readability report: each section's Flesch-Kincaid grade and SMOG, then the whole text,
    against the edition's targets."""
    targets = []
    if edition.grade_max is not None:
        targets.append(f"whole text {edition.grade_max:g} or lower")
    if edition.section_grade_max is not None:
        targets.append(f"each section {edition.section_grade_max:g} or lower")
    lines = [f"Reading level of {name} (target: {', '.join(targets) or 'none'})",
             f"  {'section':44} {'FK grade':>8} {'SMOG':>5} {'words':>6}"]
    for section in reading.sections:
        over = edition.section_grade_max is not None and round(section.score.fk_grade, 1) > edition.section_grade_max
        label = section.id + (f" (with {', '.join(section.merged)})" if section.merged else "")
        lines.append(f"  {label:44} {section.score.fk_grade:8.1f} {section.score.smog:5.1f} "
                     f"{section.score.words:6}{'  over target' if over else ''}")
    over = edition.grade_max is not None and round(reading.whole.fk_grade, 1) > edition.grade_max
    lines.append(f"  {'whole text':44} {reading.whole.fk_grade:8.1f} {reading.whole.smog:5.1f} "
                 f"{reading.whole.words:6}{'  over target' if over else ''}")
    for missing in reading.missing:
        lines.append(f"  {missing:44} not found in the output")
    return "\n".join(lines)


def format_built_level(edition, shown_path: str, reading) -> str:
    """One line for `publish list`: the measured grade of an edition's built file, or 'not built'."""
    if reading is None:
        return f"{edition.id} reading level: not built"
    target = f" (target {edition.grade_max:g} or lower)" if edition.grade_max is not None else ""
    return (f"{edition.id} reading level: Flesch-Kincaid grade {reading.whole.fk_grade:.1f}{target}, "
            f"SMOG {reading.whole.smog:.1f}, measured on {shown_path}")


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
