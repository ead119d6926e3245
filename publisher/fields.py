"""The one field table every YAML file we read is checked against.

A table is `{field name: Field}`. `read_fields(data, table, file)` checks a block of
`field: value` lines (a section's front matter, topic.yaml, one edition of editions.yaml,
a clinic profile, a summary recipe, a FAQ question, ...) in one pass:

- unknown fields (c-003), with the nearest known name ("Did you mean 'title'?");
- missing required fields (c-002);
- values of the wrong type (c-012, or the code the caller names, e.g. d-001 for editions),
  with what was expected and what was given.

Fields given twice (c-020), YAML nested too deeply, files that are not UTF-8 (c-011) or
that hold invisible characters (c-021) are caught before, when `yamlfile.read_yaml`
reads the file: every caller gets those checks by reading through it.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .findings import Finding, finding
from .model import SourceRef
from .yamlfile import line_of

#: Field kinds: the Python types a value of that kind may have, and how to describe it.
KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "text": ((str, int, float), "text"),  # a number written without quotes (version: 1.0) is text too
    "flag": ((bool,), "true or false"),
    "number": ((int, float), "a number"),
    "count": ((int,), "a whole number above 0"),
    "list": ((list,), "a list"),
    "names": ((list, str), "a list of names"),  # `[a, b]`, or one name on its own
    "block": ((dict,), "a block of 'field: value' lines"),
    "any": ((object,), "a value"),
}


@dataclass(frozen=True)
class Field:
    """One field of a YAML block.

    `kind` is a key of KINDS; `expected` overrides how a wrong value is described
    ("'max_pages' must be <expected>, got ..."); `valid` is an extra test a value of the
    right kind must pass (a grade between 1 and 20); `about` says what the field holds.
    """

    kind: str = "text"
    required: bool = False
    about: str = ""
    expected: str = ""
    valid: Callable[[Any], bool] | None = None
    default: Any = None

    def describe(self) -> str:
        return self.expected or KINDS[self.kind][1]


Table = Mapping[str, Field]


def _fits(value, spec: Field) -> bool:
    types, _ = KINDS[spec.kind]
    if isinstance(value, bool) and bool not in types and spec.kind != "any":
        return False  # YAML's true/false is no number and no text
    if not isinstance(value, types):
        return False
    if spec.kind == "names":
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, str) and item.strip() for item in items):
            return False
    if spec.kind == "count" and value < 1:
        return False
    return spec.valid is None or bool(spec.valid(value))


def _normal(value, spec: Field):
    if spec.kind == "text":
        return str(value).strip()
    if spec.kind == "names":
        return tuple(v.strip() for v in ([value] if isinstance(value, str) else value))
    return value


def unknown_fields(data: Mapping, table: Table, file: Path) -> list[Finding]:
    """c-003 for each key not in `table`, with the nearest known key as a hint."""
    known = sorted(table)
    found = []
    for key in data:
        if key not in table:
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = (f"Did you mean '{near[0]}'? " if near else "") + f"Known fields: {', '.join(known)}."
            found.append(finding("c-003", f"unknown field '{key}'", source=SourceRef(file, line_of(data, key)),
                                 hint=hint))
    return found


def read_fields(data: Mapping, table: Table, file: Path, *, type_code: str = "c-012",
                required: tuple[str, ...] | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """Check a block against its table; return ({field: value}, findings).

    Every field of the table is in the result: its value (text stripped, a number written
    as text turned into text, a single name turned into a one-name tuple), or the field's
    `default` when it is missing, empty or of the wrong kind. `required` overrides which
    fields the table requires (a subsection takes its audience from its parent).
    Findings: c-003 unknown field, c-002 missing required field, `type_code` wrong kind.
    """
    found = unknown_fields(data, table, file)
    must = required if required is not None else tuple(k for k, spec in table.items() if spec.required)
    for key in must:
        if data.get(key) in (None, "", [], {}):
            found.append(finding("c-002", f"missing required field '{key}'", source=SourceRef(file, line_of(data)),
                                 hint=f"Add a line '{key}: ...'."))
    values: dict[str, Any] = {}
    for key, spec in table.items():
        value = data.get(key)
        if value is None:
            values[key] = spec.default
        elif _fits(value, spec):
            values[key] = _normal(value, spec)
        else:
            got = _shown(value)
            if spec.kind == "names" and isinstance(value, list):  # name the item that is not a name
                wrong = [item for item in value if not isinstance(item, str) or not item.strip()][:1]
                got = f"a list holding {_shown(wrong[0])}" if wrong else got
            found.append(finding(type_code, f"'{key}' must be {spec.describe()}, got {got}",
                                 source=SourceRef(file, line_of(data, key)),
                                 hint=f"Expected {spec.about}." if spec.about else None))
            values[key] = spec.default
    return values, found


def _shown(value) -> str:
    """A short excerpt of a wrong value: never a whole block pasted into the message."""
    text = repr(value) if isinstance(value, (str, bool, int, float)) else \
        ("a list" if isinstance(value, list) else "a block of fields" if isinstance(value, dict) else repr(value))
    return text if len(text) <= 40 else text[:37] + "..."


def fields_hint(table: Table) -> str:
    """'Known fields: a (what a holds); b (...).' for a hint."""
    return "Known fields: " + "; ".join(f"{k} ({spec.about})" if spec.about else k
                                        for k, spec in table.items()) + "."
