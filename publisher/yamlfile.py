"""Safe YAML loading that remembers the line of every key, for error messages.

Only plain data is built (SafeLoader): no Python objects can be constructed from content.
"""
from __future__ import annotations

import difflib
import re

import yaml

from .findings import Finding, finding
from .model import SourceRef


class LineDict(dict):
    """A dict that knows the file line of each of its keys (`lines`) and its own `line`."""

    line: int = 1
    lines: dict


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay strings: an editor's date is checked by us, with a message they can act on.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(text: str, source: SourceRef) -> tuple[object, list[Finding]]:
    """Parse YAML text; `source.line` is the file line where the text starts."""
    offset = (source.line or 1) - 1
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + offset if mark else source.line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [finding("c-001", f"YAML syntax error: {problem}",
                              source=SourceRef(source.file, line))]
    if offset and isinstance(data, LineDict):
        _shift(data, offset)
    return data, []


def _shift(data, offset):
    if isinstance(data, LineDict):
        data.line += offset
        data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, list):
        for value in data:
            _shift(value, offset)


def line_of(data, key=None) -> int | None:
    if isinstance(data, LineDict):
        return data.lines.get(key, data.line) if key is not None else data.line
    return None


def check_keys(data: LineDict, *, known, required, file) -> list[Finding]:
    """Unknown keys (with the nearest known key) and missing required keys."""
    found = []
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.6)
            hint = (f"Did you mean '{near[0]}'? " if near else "") + \
                f"Known fields: {', '.join(sorted(known))}."
            found.append(finding("c-003", f"unknown field '{key}'",
                                 source=SourceRef(file, line_of(data, key)), hint=hint))
    for key in required:
        if key not in data or data[key] in (None, ""):
            found.append(finding("c-002", f"missing required field '{key}'",
                                 source=SourceRef(file, line_of(data)),
                                 hint=f"Add a line '{key}: ...'."))
    return found


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, file line where the body starts)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None, text, 1
    body_line = text[: match.end()].count("\n") + 1
    return match.group(1), text[match.end():], body_line
