"""source/editions.yaml -> {edition id: model.Edition}.

Every field is checked; all problems are collected and raised together as one
ContentError, with the file and line of each.
"""
from __future__ import annotations

import re
from pathlib import Path


from . import yamlfile
from .errors import ContentError
from .findings import finding, shown_path
from .formats import FORMAT_NAMES, FORMATS
from .model import AUDIENCES, Edition, SourceRef

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # an edition id is part of output file names

PAPERS = ("letter", "a4")
FIELDS = {
    "title": "the name shown to people",
    "description": "one sentence on what the edition is for",
    "format": "pdf, epub or html",
    "audience": "patient, clinician or all",
    "variant": "name of the section variant files to prefer (e.g. patient)",
    "tag": "only sections whose `tags:` carry this name (required sections always); default: all for the audience",
    "layout": "folder under layouts/ with the templates",
    "paper": "letter or a4 (PDF)",
    "max_pages": "page budget (PDF)",
    "references": "whether the references list is included (true/false)",
    "pages_from": "EPUB: the PDF edition (same content) whose page numbers the EPUB carries",
    "large_print": "true for the large-print layout (APH: body 18 pt or more, line height 1.5)",
    "grade_max": "reading-level target: highest Flesch-Kincaid grade of the whole text",
    "section_grade_max": "reading-level target: highest Flesch-Kincaid grade of any section",
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
        if fmt not in FORMAT_NAMES:
            found.append(finding("d-001", f"format '{fmt}' is unknown", source=at("format"),
                                 hint=f"Use one of: {', '.join(FORMAT_NAMES)}."))
        if audience not in AUDIENCES + ("all",):
            found.append(finding("c-005", f"audience '{audience}' does not exist", source=at("audience"),
                                 hint=f"Use one of: {', '.join(AUDIENCES)}, all."))
        paper = spec.get("paper", "letter")
        if paper not in PAPERS:
            found.append(finding("d-001", f"paper '{paper}' is unknown", source=at("paper"),
                                 hint="Use letter or a4."))
        max_pages = spec.get("max_pages")
        if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1):
            found.append(finding("d-001", f"max_pages must be a whole number above 0, got {max_pages!r}",
                                 source=at("max_pages")))
            max_pages = None
        tag = spec.get("tag")
        if tag is not None and not (isinstance(tag, str) and re.match(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", tag)):
            found.append(finding("d-001", f"tag must be a tag name, got {tag!r}", source=at("tag"),
                                 hint="Lowercase letters, digits and hyphens, e.g. handout."))
            tag = None
        grades = {}
        for key in ("grade_max", "section_grade_max"):
            value = spec.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not 1 <= value <= 20):
                found.append(finding("d-001", f"{key} must be a grade between 1 and 20, got {value!r}",
                                     source=at(key), hint="Write a number such as 6 or 8.5."))
                value = None
            grades[key] = float(value) if value is not None else None
        large_print = spec.get("large_print", False)
        if not isinstance(large_print, bool):
            found.append(finding("d-001", f"large_print must be true or false, not '{large_print}'",
                                 source=at("large_print"), hint="Write large_print: true (or leave it out)."))
        layout = str(spec.get("layout", ""))
        if layout and not (layouts_dir / layout).is_dir():
            found.append(finding("d-001", f"layout folder 'layouts/{layout}' does not exist",
                                 source=at("layout")))
        editions[str(edition_id)] = Edition(
            id=str(edition_id), title=str(spec.get("title", "")), format=str(fmt),
            audience=None if audience == "all" else audience, layout=layout,
            variant=spec.get("variant"), paper=paper, max_pages=max_pages,
            references=bool(spec.get("references", True)),
            description=str(spec.get("description", "")), large_print=large_print is True,
            pages_from=str(spec["pages_from"]) if spec.get("pages_from") is not None else None,
            tag=tag, **grades)
    found += _check_pages_from(editions, data, path)
    if found:
        raise ContentError(found)
    return editions


def _check_pages_from(editions: dict[str, Edition], data: dict, path: Path) -> list:
    """An EPUB's page numbers come from a PDF edition showing exactly the same content."""
    found = []
    for edition in editions.values():
        if edition.pages_from is None:
            continue
        where = SourceRef(path, yamlfile.line_of(data[edition.id], "pages_from"))
        source = editions.get(edition.pages_from)
        if not FORMATS[edition.format].takes_page_numbers:
            found.append(finding("d-001", f"'{edition.id}': pages_from is for EPUB editions only", source=where))
        elif source is None or not FORMATS[source.format].paged:
            pdfs = ", ".join(e.id for e in editions.values() if FORMATS[e.format].paged) or "none"
            found.append(finding("d-001", f"'{edition.id}': pages_from '{edition.pages_from}' is not a PDF edition",
                                 source=where, hint=f"Name one of the PDF editions: {pdfs}."))
        elif (source.audience, source.variant, source.references) != (
                edition.audience, edition.variant, edition.references):
            found.append(finding("d-001", f"'{edition.id}' and its pages_from '{source.id}' show different content",
                                 source=where, hint="Give both the same audience, variant and references."))
    return found
