"""source/editions.yaml -> {edition id: model.Edition}.

Every field is checked; all problems are collected and raised together as one
ContentError, with the file and line of each.
"""
from __future__ import annotations

from pathlib import Path

import re

from . import yamlfile
from .errors import ContentError
from .findings import finding, shown_path
from .model import AUDIENCES, Edition, SourceRef

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # an edition id is part of output file names

FORMATS = ("pdf", "epub", "html")
PAPERS = ("letter", "a4")
FIELDS = {
    "title": "the name shown to people",
    "description": "one sentence on what the edition is for",
    "format": "pdf, epub or html",
    "audience": "patient, clinician or all",
    "variant": "name of the section variant files to prefer (e.g. patient)",
    "layout": "folder under layouts/ with the templates",
    "paper": "letter or a4 (PDF)",
    "max_pages": "page budget (PDF)",
    "references": "whether the references list is included (true/false)",
}
REQUIRED = ("title", "format", "audience", "layout")


def read_editions(path: Path, layouts_dir: Path) -> dict[str, Edition]:
    path = shown_path(path)
    text, problems = yamlfile.read_text(path, path)
    if text is None:
        raise ContentError(problems)
    data, problems = yamlfile.load(text, SourceRef(path, 1))
    if problems:
        raise ContentError(problems)
    if not isinstance(data, dict) or not data:
        raise ContentError([finding("d-001", "expected one block per edition", source=SourceRef(path, 1))])
    editions, found = {}, []
    for edition_id, spec in data.items():
        where = SourceRef(path, yamlfile.line_of(data, edition_id))
        if not ID_RE.match(str(edition_id)):
            found.append(finding("d-001", f"edition id '{edition_id}' is not a valid id", source=where,
                                 hint="Use lowercase letters, digits and hyphens, e.g. large-print."))
        if not isinstance(spec, dict):
            found.append(finding("d-001", f"edition '{edition_id}' must be a block of fields", source=where))
            continue
        found += yamlfile.check_keys(spec, known=set(FIELDS), required=REQUIRED, file=path)
        at = lambda key: SourceRef(path, yamlfile.line_of(spec, key))  # noqa: E731
        fmt, audience = spec.get("format"), spec.get("audience")
        if fmt not in FORMATS:
            found.append(finding("d-001", f"format '{fmt}' is unknown", source=at("format"),
                                 hint=f"Use one of: {', '.join(FORMATS)}."))
        if audience not in AUDIENCES + ("all",):
            found.append(finding("c-005", f"audience '{audience}' does not exist", source=at("audience"),
                                 hint=f"Use one of: {', '.join(AUDIENCES)}, all."))
        paper = spec.get("paper", "letter")
        if paper not in PAPERS:
            found.append(finding("d-001", f"paper '{paper}' is unknown", source=at("paper"),
                                 hint="Use letter or a4."))
        max_pages = spec.get("max_pages")
        if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
            found.append(finding("d-001", "max_pages must be a whole number above 0", source=at("max_pages")))
        layout = str(spec.get("layout", ""))
        if layout and not (layouts_dir / layout).is_dir():
            found.append(finding("d-001", f"layout folder 'layouts/{layout}' does not exist",
                                 source=at("layout")))
        editions[str(edition_id)] = Edition(
            id=str(edition_id), title=str(spec.get("title", "")), format=str(fmt),
            audience=None if audience == "all" else audience, layout=layout,
            variant=spec.get("variant"), paper=paper, max_pages=max_pages,
            references=bool(spec.get("references", True)),
            description=str(spec.get("description", "")))
    if found:
        raise ContentError(found)
    return editions
