"""Which printed editions give EPUBs their page numbers, and the page maps they give.

Pure functions over editions and selected documents: the build asks `page_sources` which
outputs to lay out first, turns each laid-out printed edition into a `model.PageMap`
(`make_page_map`), and hands every EPUB the plain map it carries (`page_map_for`).
Nothing here renders or keeps state.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable, Mapping

from ..model import N_, Edition, PageMap, PageStart, SelectedDocument, Topic
from ..select import select_sections

#: Paper names for pageBreakSource: catalog messages, put into the EPUB's language.
PAPER_NAMES = {"letter": N_("US Letter"), "a4": N_("A4")}

#: A page map's key: (topic id, printed edition id, language: a topic in each of its languages).
MapKey = tuple[str, str, str]


def is_page_source(edition: Edition, editions: Mapping[str, Edition]) -> bool:
    """Whether some EPUB of `editions` takes its page numbers from `edition`."""
    return any(e.pages_from == edition.id for e in editions.values())


def source_document(topic: Topic, edition_id: str, editions: Mapping[str, Edition],
                    paper: str | None) -> SelectedDocument:
    """The printed edition `edition_id` of `topic`, as the build lays it out (the build's
    --paper changes its pages, so the EPUB's numbers)."""
    doc = select_sections(topic, editions[edition_id])
    return replace(doc, paper=paper) if paper else doc


def carries_pages(epub: SelectedDocument, editions: Mapping[str, Edition], paper: str | None) -> MapKey | None:
    """The key of the page map the EPUB `epub` carries, or None: it has no `pages_from`, or it
    does not show exactly its printed edition's sections (a custom selection)."""
    name = epub.edition.pages_from
    if not name or name not in editions:
        return None
    source = source_document(epub.topic, name, editions, paper)
    if [s.id for s in source.all_sections()] != [s.id for s in epub.all_sections()]:
        return None
    return (epub.topic.id, name, epub.topic.language)


def page_sources(docs: Iterable[SelectedDocument], editions: Mapping[str, Edition],
                 paper: str | None) -> dict[MapKey, SelectedDocument]:
    """The printed editions the EPUBs among `docs` take their page numbers from, each once,
    in the order of `docs`: what the build lays out before those EPUBs."""
    sources: dict[MapKey, SelectedDocument] = {}
    for doc in docs:
        key = carries_pages(doc, editions, paper)
        if key is not None and key not in sources:
            sources[key] = source_document(doc.topic, key[1], editions, paper)
    return sources


def make_page_map(doc: SelectedDocument, starts: tuple[PageStart, ...],
                  file_name: Callable[[SelectedDocument], str], *,
                  words: Callable[[str], str] = lambda text: text, edition_title: str | None = None) -> PageMap:
    """The page map of the laid-out printed edition `doc`: its page starts, named (for the
    EPUB's pageBreakSource) by the PDF's file name, title, version and paper, in the words of
    its language (`words`: the gettext of the topic's language; `edition_title`: the edition's
    title in it, editions.<lang>.yaml)."""
    topic, edition = doc.topic, doc.edition
    source = words(N_("%(file)s: %(title)s. %(edition)s, version %(version)s, %(paper)s paper")) % {
        "file": file_name(doc), "title": topic.full_title, "edition": edition_title or edition.title,
        "version": topic.version, "paper": words(PAPER_NAMES[doc.paper])}
    return PageMap(source=source, starts=tuple(starts))


def page_map_for(epub: SelectedDocument, maps: Mapping[MapKey, PageMap], editions: Mapping[str, Edition],
                 paper: str | None) -> PageMap | None:
    """The page map the EPUB `epub` carries (from `maps`, laid out beforehand), or None.
    Raises KeyError if its printed edition was not laid out: a build bug, not a user's."""
    key = carries_pages(epub, editions, paper)
    return maps[key] if key is not None else None
