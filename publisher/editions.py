"""source/editions.yaml -> {edition id: model.Edition}.

Every field is checked; all problems are collected and raised together as one
ContentError, with the file and line of each.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import yamlfile
from .fields import Field, read_fields
from .errors import ContentError
from .findings import finding, shown_path
from .formats import FORMAT_NAMES, FORMATS
from .model import AUDIENCES, Edition, ReadingTarget, SourceRef
from .readingscales import MEASURES, language_of, measure, target_keys

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # an edition id is part of output file names

PAPERS = ("letter", "a4")


#: The fields of one edition in editions.yaml (what each holds is its `about`).
FIELDS = {
    "title": Field(required=True, about="the name shown to people"),
    "description": Field(default="", about="one sentence on what the edition is for"),
    "format": Field(required=True, about=f"one of: {', '.join(FORMAT_NAMES)}"),
    "audience": Field(required=True, about="patient, clinician or all"),
    "variant": Field(about="name of the section variant files to prefer (e.g. patient)"),
    "tag": Field(expected="a tag name", valid=lambda v: isinstance(v, str) and bool(ID_RE.match(v)),
                 about="only sections whose `tags:` carry this name (required sections always); "
                       "lowercase letters, digits and hyphens, e.g. handout"),
    "layout": Field(required=True, about="folder under layouts/ with the templates"),
    "paper": Field(default="letter", about="letter or a4 (PDF)"),
    "max_pages": Field("count", about="page budget (PDF)"),
    "references": Field("flag", default=True, about="whether the references list is included (true/false)"),
    "pages_from": Field(about="EPUB: the PDF edition (same content) whose page numbers the EPUB carries"),
    "large_print": Field("flag", default=False, about="large_print: true for the large-print layout "
                                                     "(APH: body 18 pt or more, line height 1.5), or leave it out"),
    "reading_level": Field("block", expected="a block of languages, each with its targets",
                           about="reading-level targets per language, e.g. "
                                 "{en: {fk_grade_max: 6, section_fk_grade_max: 8}, es: {inflesz_min: 65}}"),
    "bilingual": Field(expected="a language tag, e.g. es", valid=lambda v: isinstance(v, str) and "." not in v,
                       about="a second language shown beside the topic's own, section by section (e.g. es)"),
}


def read_editions(path: Path, layouts_dir: Path) -> dict[str, Edition]:
    """editions.yaml -> {edition id: Edition}, in file order.

    Raises ContentError with every problem (c-001/c-011/c-020/c-021 reading the file,
    c-002/c-003 fields, d-001 values, c-005 audiences), each with its line.
    """
    path = shown_path(path)
    data, found = yamlfile.read_block(path, path, code="d-001", what="editions.yaml (one block per edition)")
    if data is None:
        raise ContentError(found)
    editions = {}
    for edition_id, spec in data.items():
        edition, problems = read_edition(str(edition_id), spec, SourceRef(path, yamlfile.line_of(data, edition_id)),
                                         layouts_dir)
        found += problems
        if edition is not None:
            editions[edition.id] = edition
    found += _check_pages_from(editions, data, path)
    if found:
        raise ContentError(found)
    return editions


def read_edition(edition_id: str, spec, where: SourceRef, layouts_dir: Path) -> tuple[Edition | None, list]:
    """One edition's block -> (Edition, findings); None when it is not a block at all."""
    found = []
    if not ID_RE.match(edition_id):
        found.append(finding("d-001", f"edition id '{edition_id}' is not a valid id", source=where,
                             hint="Use lowercase letters, digits and hyphens, e.g. large-print."))
    if not isinstance(spec, dict):
        return None, found + [finding("d-001", f"edition '{edition_id}' must be a block of fields", source=where)]
    path = where.file
    values, problems = read_fields(spec, FIELDS, path, type_code="d-001")
    found += problems
    at = lambda key: SourceRef(path, yamlfile.line_of(spec, key))  # noqa: E731
    fmt, audience, paper = values["format"], values["audience"], values["paper"]
    if fmt is not None and fmt not in FORMAT_NAMES:
        found.append(finding("d-001", f"format '{fmt}' is unknown", source=at("format"),
                             hint=f"Use one of: {', '.join(FORMAT_NAMES)}."))
    if audience is not None and audience not in AUDIENCES + ("all",):
        found.append(finding("c-005", f"audience '{audience}' does not exist", source=at("audience"),
                             hint=f"Use one of: {', '.join(AUDIENCES)}, all."))
    if paper not in PAPERS:
        found.append(finding("d-001", f"paper '{paper}' is unknown", source=at("paper"), hint="Use letter or a4."))
    layout = values["layout"] or ""
    if layout and not (layouts_dir / layout).is_dir():
        found.append(finding("d-001", f"layout folder 'layouts/{layout}' does not exist", source=at("layout")))
    targets, problems = read_reading_level(values["reading_level"] or {}, spec.get("reading_level"), path)
    found += problems
    return Edition(
        id=edition_id, title=values["title"] or "", format=str(fmt), audience=None if audience == "all" else audience,
        layout=layout, variant=values["variant"], paper=paper, max_pages=values["max_pages"],
        references=values["references"], description=values["description"], large_print=values["large_print"],
        pages_from=values["pages_from"], tag=values["tag"], reading_level=targets,
        bilingual=values["bilingual"]), found


def read_reading_level(block: dict, where, path: Path) -> tuple[tuple[ReadingTarget, ...], list]:
    """An edition's `reading_level:` block -> (its targets, d-001 findings).

    `{language: {target: value}}`; the languages and the target names each accepts are
    those of readingscales.MEASURES (`fk_grade_max`, `section_inflesz_min`, ...)."""
    targets, found = [], []
    for lang, spec in block.items():
        at = SourceRef(path, yamlfile.line_of(where, lang))
        keys = target_keys(str(lang))
        if not keys:
            found.append(finding("d-001", f"reading_level: no reading-level formula for language '{lang}'",
                                 source=at, hint=f"Languages with a formula: {', '.join(MEASURES)}."))
            continue
        if not isinstance(spec, dict) or not spec:
            found.append(finding("d-001", f"reading_level: '{lang}' must be a block of targets, e.g. "
                                          f"{{{keys[0]}: 6}}", source=at))
            continue
        for key, value in spec.items():
            key = str(key)
            if key not in keys:
                found.append(finding("d-001", f"reading_level: '{lang}' has no target '{key}'", source=at,
                                     hint=f"Targets for '{lang}': {', '.join(keys)}."))
                continue
            name = key.removeprefix("section_")
            scale = measure(str(lang), name.rpartition("_")[0])
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not scale.low <= value <= scale.high:
                found.append(finding("d-001", f"reading_level: '{lang}.{key}' must be a number between "
                                              f"{scale.low:g} and {scale.high:g}, got {value!r}", source=at))
                continue
            measure_key, _, bound = name.rpartition("_")
            targets.append(ReadingTarget(language_of(str(lang)), measure_key,
                                         "section" if key.startswith("section_") else "whole", bound, float(value)))
    return tuple(targets), found


def _check_pages_from(editions: dict[str, Edition], data: dict, path: Path) -> list:
    """An EPUB's page numbers come from a PDF edition showing exactly the same content."""
    found = []

    def paged(e: Edition) -> bool:  # an edition with an unknown format has its own d-001 already
        return e.format in FORMATS and FORMATS[e.format].paged

    for edition in editions.values():
        if edition.pages_from is None or edition.format not in FORMATS:
            continue
        where = SourceRef(path, yamlfile.line_of(data[edition.id], "pages_from"))
        source = editions.get(edition.pages_from)
        if not FORMATS[edition.format].takes_page_numbers:
            found.append(finding("d-001", f"'{edition.id}': pages_from is for EPUB editions only", source=where))
        elif source is None or not paged(source):
            pdfs = ", ".join(e.id for e in editions.values() if paged(e)) or "none"
            found.append(finding("d-001", f"'{edition.id}': pages_from '{edition.pages_from}' is not a PDF edition",
                                 source=where, hint=f"Name one of the PDF editions: {pdfs}."))
        elif (source.audience, source.variant, source.references) != (
                edition.audience, edition.variant, edition.references):
            found.append(finding("d-001", f"'{edition.id}' and its pages_from '{source.id}' show different content",
                                 source=where, hint="Give both the same audience, variant and references."))
    return found
