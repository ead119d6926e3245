"""Custom summaries' file names and editions, shared by `publish summary` (which writes them)
and `publish check` (which reads a custom file's name back to know what it must contain:
its audience, the sections chosen, large print), so neither imports the other.

A default name is <topic>/custom/<topic>-<audience>-<ids>[-large-print][-a4].<ext>, where <ids>
is the chosen section ids joined by '-' (or 'without-' and the ids left out), shortened with
a hash past 80 characters.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from .editions import PAPERS
from .errors import EditionError
from .formats import FORMATS
from .model import AUDIENCES, Edition, N_, Topic

#: The edition name of a custom file, per audience and large print: catalog messages, put into
#: the file's language by `summary.plan_summary`.
CUSTOM_TITLES = {("patient", False): N_("Custom patient handout"),
                 ("patient", True): N_("Custom patient handout (large print)"),
                 ("clinician", False): N_("Custom clinician summary"),
                 ("clinician", True): N_("Custom clinician summary (large print)")}

CUSTOM_FOLDER = "custom"
LARGE_PRINT = "-large-print"


def custom_name(topic_id: str, audience: str, ids, exclude, large_print: bool, fmt: str, *,
                paper: str | None = None) -> str:
    """The default file of a custom summary, relative to the output folder. `paper`: a
    paper other than the edition's (the name says it, as an edition's file name does)."""
    label = "-".join(ids) if ids else "without-" + "-".join(exclude)
    if len(label) > 80:
        label = label[:60].rstrip("-") + "-" + hashlib.sha256(label.encode()).hexdigest()[:8]
    suffix = (LARGE_PRINT if large_print else "") + (f"-{paper}" if paper else "")
    return f"{topic_id}/{CUSTOM_FOLDER}/{topic_id}-{audience}-{label}{suffix}{FORMATS[fmt].extension}"


@dataclass(frozen=True)
class CustomName:
    """What a custom summary's default file name says. `ids`/`exclude` are None when the
    name was shortened (then only the audience and large print are known)."""

    audience: str
    ids: tuple[str, ...] | None
    exclude: tuple[str, ...] | None
    large_print: bool


def parse_custom_name(path: Path, topic: Topic) -> CustomName | None:
    """Read a file name written by `custom_name` back, or None if it is not one."""
    path = Path(path)
    if path.parent.name != CUSTOM_FOLDER or path.parent.parent.name != topic.id:
        return None
    stem = path.stem
    paper = next((p for p in PAPERS if stem.endswith(f"-{p}")), None)
    stem = stem[:-len(paper) - 1] if paper else stem
    large_print = stem.endswith(LARGE_PRINT)
    stem = stem[:-len(LARGE_PRINT)] if large_print else stem
    for audience in AUDIENCES:
        prefix = f"{topic.id}-{audience}-"
        if stem.startswith(prefix):
            label = stem[len(prefix):]
            break
    else:
        return None
    known = [s.id for s in topic.all_sections()]
    if label.startswith("without-"):
        parts = _split_ids(label[len("without-"):], known)
        return CustomName(audience, None if parts is None else (), parts, large_print)
    return CustomName(audience, _split_ids(label, known), None if _split_ids(label, known) is None else (),
                      large_print)


def _split_ids(label: str, known: list[str]) -> tuple[str, ...] | None:
    """'a-b-c-d' -> the known ids it is made of, joined by '-' ('a-b', 'c-d'), or None."""
    ids = set(known)
    words = label.split("-")
    best: dict[int, tuple[str, ...] | None] = {len(words): ()}
    for start in range(len(words) - 1, -1, -1):
        best[start] = None
        for end in range(start + 1, len(words) + 1):
            name = "-".join(words[start:end])
            if name in ids and best[end] is not None:
                best[start] = (name,) + best[end]
                break
    return best[0] if label else None


def summary_edition(editions: dict[str, Edition], *, audience: str, fmt: str, large_print: bool,
                    paper: str | None = None) -> Edition:
    """The edition a summary is built as: the printed edition of the audience (large print or
    not) from editions.yaml, in the asked-for format.

    It keeps the base edition's id, so the edition's stylesheet rules apply to it too.
    """
    printed = [e for e in editions.values() if FORMATS[e.format].paged and e.audience == audience]
    if not printed:
        raise EditionError(f"no printed edition for the audience '{audience}' in editions.yaml", code="u-009")
    base = next((e for e in printed if e.large_print == large_print), None)
    if base is None:
        # No large-print edition of this audience is declared: its page budget is unknown,
        # so none is enforced rather than a guessed one.
        base = replace(next(e for e in printed if not e.large_print), large_print=large_print, max_pages=None)
    layout = base.layout
    if fmt != base.format:
        layout = next((e.layout for e in editions.values() if e.format == fmt), None)
        if layout is None:
            raise EditionError(f"no {fmt} edition in editions.yaml to take the layout from", code="u-009")
    return replace(base, format=fmt, layout=layout, title=CUSTOM_TITLES[audience, large_print], paper=paper or base.paper,
                   max_pages=base.max_pages if FORMATS[fmt].paged else None,
                   description=f"Sections chosen by id, for {audience}s.")
