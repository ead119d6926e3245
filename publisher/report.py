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
