"""A laid-out WeasyPrint document -> where each printed page starts (`model.PageStart`s).

`Document.pages[i].anchors` only says which ids fall on a page; a page usually starts in
the middle of a paragraph. So walk each page's boxes in layout order and take the first
text laid out on it: its nearest ancestor with an id, and how many of that element's
characters (not counting spaces) were laid out on the pages before. `markers.insert_page_breaks`
puts the EPUB's marker at exactly that character.

Called by the PDF writer on the document it lays out (`writers.pdf.write` and `lay_out`);
this module reads WeasyPrint's boxes and imports nothing of the writers.
"""
from __future__ import annotations

import weasyprint
from weasyprint.formatting_structure import boxes

from ..errors import ChecksFailed
from ..findings import finding
from ..model import PageStart
from .markers import significant


def page_starts(document: "weasyprint.Document") -> tuple[PageStart, ...]:
    """One PageStart per page of a rendered `weasyprint.Document`, numbered from 1.

    Raises ChecksFailed (e-010) for a page that has no element with an id to start at."""
    done: dict[int, int] = {}  # id(element) -> significant characters laid out so far
    seen_headers: set[int] = set()  # table headers/footers already shown (repeats are skipped)
    starts = []
    for number, page in enumerate(document.pages, start=1):
        first: PageStart | None = None
        page_headers: set[int] = set()
        for box, element in _text_boxes(page._page_box, seen_headers, page_headers):
            key = id(element)
            if first is None:
                first = PageStart(number, element.get("id"), done.get(key, 0))
            done[key] = done.get(key, 0) + significant(box.text)
        seen_headers |= page_headers
        if first is None:  # a page without text (a full-page picture): start at its first id
            first = _first_element(page._page_box, number)
        starts.append(first)
    return tuple(starts)


def _text_boxes(page_box, seen_headers: set[int], page_headers: set[int]):
    """(text box, nearest ancestor element with an id) in layout order, without the page's
    margin boxes (running footers), generated text (::marker bullets, ::before) and table
    headers repeated from an earlier page."""
    def walk(box, owner):
        if isinstance(box, boxes.MarginBox) or "::" in (box.element_tag or ""):
            return
        if getattr(box, "is_header", False) or getattr(box, "is_footer", False):
            if id(box.element) in seen_headers:
                return
            page_headers.add(id(box.element))
        element = box.element
        if element is not None and element.get("id") and not isinstance(box, boxes.TextBox):
            owner = element
        if isinstance(box, boxes.TextBox):
            if owner is not None and significant(box.text):
                yield box, owner
            return
        for child in getattr(box, "children", ()):
            yield from walk(child, owner)

    yield from walk(page_box, None)


def _first_element(page_box, number: int) -> PageStart:
    for box in page_box.descendants():
        if isinstance(box, boxes.MarginBox):
            continue
        element = box.element
        if element is not None and element.get("id") and "::" not in (box.element_tag or ""):
            return PageStart(number, element.get("id"), 0)
    raise ChecksFailed([finding("e-010", f"page {number} of the printed edition has no element with an id")])

