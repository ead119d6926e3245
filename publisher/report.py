"""Findings -> text for people or JSON for machines. The only formatter."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class ReadingRow:
    label: str  # a section id ("id (with parent-id)") or "whole text"
    title: str  # the section's title as printed, or "Whole text"
    values: tuple[float, ...]  # one per measure of the table
    words: int
    misses: bool  # misses one of the edition's targets for this scope and language


@dataclass(frozen=True)
class ReadingTable:
    """The reading level of one language of an output, as every report shows it."""

    lang: str
    targets: str  # "each section 8 or lower, whole text 6 or lower", or "" for none
    measures: tuple[str, ...]  # short names of the measures: "FK grade", "SMOG"
    rows: tuple[ReadingRow, ...]


def reading_tables(reading, edition) -> list[ReadingTable]:
    """For each language of an output's text: its sections' measures (in that language's
    scales) and the whole text's, against the edition's targets. `format_reading` prints
    these; `publish serve` shows them as tables."""
    from .readingscales import MEASURES
    tables = []
    for whole in reading.languages or (reading.whole,):
        lang = whole.lang
        measures = MEASURES.get(lang, ())
        targets = ", ".join(f"{'each section' if t.scope == 'section' else 'whole text'} "
                            + (f"{_label(lang, t.measure)} " if measures and t.measure != measures[0].key else "")
                            + f"{t.value:g} or {'lower' if t.bound == 'max' else 'higher'}"
                            for t in edition.reading_level if t.lang == lang)
        rows = [(s.id + (f" (with {', '.join(s.merged)})" if s.merged else ""), s.title, s.score, "section")
                for s in reading.sections if s.lang == lang] + [("whole text", "Whole text", whole, "whole")]
        tables.append(ReadingTable(lang, targets, tuple(_short(m) for m in measures), tuple(
            ReadingRow(label, title, tuple(score.value(m.key) for m in measures), score.words,
                       any(t.missed_by(score.value(t.measure)) for t in edition.targets(lang, scope)))
            for label, title, score, scope in rows)))
    return tables


def format_reading(name: str, reading, edition) -> str:
    """A readability report: for each language of the text, each section's measures (in that
    language's scales) and the whole text, against the edition's targets."""
    lines = []
    for table in reading_tables(reading, edition):
        lines.append(f"Reading level of {name}" + (f" ({table.lang})" if len(reading.languages) > 1 or table.lang != "en"
                                                   else "") + f" (target: {table.targets or 'none'})")
        lines.append(f"  {'section':44} " + " ".join(f"{m:>8}" for m in table.measures) + f" {'words':>6}")
        for row in table.rows:
            lines.append(f"  {row.label:44} " + " ".join(f"{v:8.1f}" for v in row.values)
                         + f" {row.words:6}{'  misses target' if row.misses else ''}")
    for lang, count in reading.unmeasured:
        lines.append(f"  {count} word(s) in '{lang}': no formula measures them")
    for missing in reading.missing:
        lines.append(f"  {missing:44} not found in the output")
    return "\n".join(lines)


def _label(lang: str, key: str) -> str:
    from .readingscales import measure
    found = measure(lang, key)
    return found.label if found else key


def _short(measure) -> str:
    return {"fk_grade": "FK grade", "smog": "SMOG", "inflesz": "INFLESZ", "fernandez_huerta": "F-Huerta"}.get(
        measure.key, measure.key)


def format_built_level(edition, shown_path: str, reading, lang: str = "") -> str:
    """One line for `publish list`: the measured level of an edition's built file, or 'not built'.
    Each language of the file is given in its own scale, with its target (a bilingual file: the
    topic's language, then the second); `lang`: the file's language when it is not the topic's."""
    from .readingscales import MEASURES
    name = f"{edition.id} ({lang})" if lang else edition.id
    if reading is None:
        return f"{name} reading level: not built"
    scores = [s for s in (reading.languages or (reading.whole,)) if s.words]
    parts = []
    for score in scores:
        measures = MEASURES.get(score.lang, ())
        if not measures:
            parts.append(f"not measured ('{score.lang}')")
            continue
        first = [t for t in edition.targets(score.lang, "whole") if t.measure == measures[0].key]
        target = f" (target {first[0].value:g} or {'lower' if first[0].bound == 'max' else 'higher'})" if first else ""
        others = "".join(f", {_short(m)} {score.value(m.key):.1f}" for m in measures[1:])
        parts.append((f"{score.lang}: " if len(scores) > 1 else "") + f"{score.describe()}{target}{others}")
    if not parts:
        parts = [f"not measured ('{reading.whole.lang}')"]
    return f"{name} reading level: {'; '.join(parts)}, measured on {shown_path}"


def format_levels(levels) -> str:
    """`Output.levels` for the build's table: each language's level in its own scale, short
    ('FK grade 4.8', 'INFLESZ 73.4', both for a bilingual file); '-' when not measured."""
    from .readingscales import MEASURES
    names = {m.key: _short(m) for ms in MEASURES.values() for m in ms}
    return "; ".join(f"{names.get(key, key)} {value:.1f}" for key, value in levels) or "-"


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
