"""Page-number markup: the pure steps on rendered HTML (no layout engine here).

`pagenumbers.starts` finds where each printed page starts, as `model.PageStart`s; these
steps use them:

- `add_block_ids(html)`: every text block (p, li, h1-h6, td, th, ...) gets a stable id, so
  the PDF's HTML and the EPUB's chapters, rendered from the same sections, share ids;
- `insert_page_breaks(parts, page_map)`: puts an EPUB page-break marker at the character
  where each printed page starts, even mid-paragraph;
- the page-list entries for the navigation document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..errors import ChecksFailed
from ..findings import finding
from ..model import PageMap, PageStart

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"

#: Elements that hold text of their own: each gets an id when it has none.
BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd",
              "caption", "figcaption", "blockquote", "pre")
_OPEN_TAG = re.compile(r"<(%s)(?=[\s/>])([^>]*)>" % "|".join(BLOCK_TAGS))
_ID_ATTR = re.compile(r'\sid="([^"]*)"')
_HEADING = re.compile(r"h[1-6]")

#: Parents in which a marker may stand before a block (phrasing content is allowed there);
#: elsewhere (ul, ol, tr, dl, table) it goes inside the block, before its first word.
_FLOW_PARENTS = {"body", "section", "div", "main", "article", "aside", "header", "footer",
                 "blockquote", "figure", "li", "dd", "td", "th", "nav"}


def add_block_ids(html: str) -> str:
    """Give every text block without an id the id `<heading id>--<n>`: the n-th block after
    the nearest heading. Headings have stable ids (the section ids), so a block gets the same
    id in every document that renders its section, however the documents are split."""
    current = "top"
    count = 0

    def sub(match: re.Match) -> str:
        nonlocal current, count
        tag, attrs = match.group(1), match.group(2)
        existing = _ID_ATTR.search(attrs)
        count += 1
        new_id = existing.group(1) if existing else f"{current}--{count}"
        if _HEADING.fullmatch(tag):
            current, count = new_id, 0
        if existing:
            return match.group(0)
        return f'<{tag} id="{new_id}"{attrs}>'

    return _OPEN_TAG.sub(sub, html)


def significant(text: str) -> int:
    """How many characters of `text` count for placing a page break: not spaces, not soft
    hyphens (a layout engine may drop or show either)."""
    return sum(1 for c in text if not c.isspace() and c != "\u00ad")


@dataclass(frozen=True)
class Marked:
    """A content document with its page-break markers, and the page-list entries it holds."""

    html: str
    pages: tuple[tuple[int, str], ...]  # (page number, marker id)


def insert_page_breaks(parts: list[tuple[str, str]], page_map: PageMap) -> dict[str, Marked]:
    """Put each page's marker into the document (name, xhtml) that holds its element.

    Returns the changed documents by name. A page whose start cannot be found in the EPUB
    (the PDF shows text the EPUB does not have) fails the build: a page-list that points at
    the wrong text is worse than none."""
    trees = {name: etree.fromstring(html.encode("utf-8")) for name, html in parts}
    owner = {}
    for name, tree in trees.items():
        for element in tree.iter():
            if isinstance(element.tag, str) and element.get("id"):
                owner.setdefault(element.get("id"), (name, element))
    problems, placed = [], {}
    for start in page_map.starts:
        if f"page-{start.number}" in owner:
            problems.append(f"the id 'page-{start.number}' is already used")
            continue
        found = owner.get(start.element_id)
        if found is None:
            problems.append(f"page {start.number} starts in '{start.element_id}', which the EPUB does not have")
            continue
        name, element = found
        if not _place(element, start):
            problems.append(f"page {start.number} starts after character {start.offset} of "
                            f"'{start.element_id}', which is shorter in the EPUB")
            continue
        placed.setdefault(name, []).append((start.number, f"page-{start.number}"))
    if problems:
        raise ChecksFailed([finding("e-010", f"{page_map.source}: {p}") for p in problems])
    html_of = dict(parts)
    return {name: Marked(_serialize(trees[name], html_of[name]), tuple(pages)) for name, pages in placed.items()}


def marker(number: int) -> etree._Element:
    """`<span epub:type="pagebreak" role="doc-pagebreak" id="page-7" aria-label="7"/>`:
    empty, named by aria-label (DPUB-ARIA; Ace wants the role beside epub:type)."""
    span = etree.Element(f"{{{XHTML_NS}}}span")
    span.set(f"{{{EPUB_NS}}}type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", f"page-{number}")
    span.set("aria-label", str(number))
    return span


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _own_text_slots(element):
    """(node, "text" | "tail") of the text that belongs to `element` itself, in reading
    order: its text and that of its inline children, not of nested blocks with ids (those
    have page starts of their own, as in the PDF writer's count)."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str) and not child.get("id"):
            yield from _own_text_slots(child)
        yield child, "tail"


def _place(element, start: PageStart) -> bool:
    """Insert the marker for `start` into `element`; False if the element is too short."""
    span = marker(start.number)
    if start.offset == 0:
        parent = element.getparent()
        if parent is not None and _local(parent) in _FLOW_PARENTS:
            element.addprevious(span)
        else:  # at the very start of the block, before any inline element it opens with
            span.tail, element.text = element.text, None
            element.insert(0, span)
        return True
    skip = start.offset
    for node, slot in _own_text_slots(element):
        text = (node.text if slot == "text" else node.tail) or ""
        for index, char in enumerate(text):
            if char.isspace() or char == "\u00ad":
                continue
            if skip == 0:
                _split_insert(node, slot, index, span)
                return True
            skip -= 1
    return False


def _split_insert(node, slot: str, index: int, span) -> None:
    """Put `span` at character `index` of node.text or node.tail."""
    if slot == "text":
        text = node.text
        node.text = text[:index]
        span.tail = text[index:]
        node.insert(0, span)
    else:
        text = node.tail
        node.tail = text[:index]
        span.tail = text[index:]
        node.addnext(span)


def _serialize(tree, original: str) -> str:
    """The document back as text, with the original's doctype line."""
    head = "<!DOCTYPE html>\n" if original.lstrip().lower().startswith("<!doctype html>") else ""
    return head + etree.tostring(tree, encoding="unicode") + "\n"


def page_list(placed: dict[str, Marked], order: list[str]) -> list[dict]:
    """Page-list entries ({"href", "label"}) in page order, for the navigation document."""
    entries = [(number, f"{name}#{marker_id}") for name in order if name in placed
               for number, marker_id in placed[name].pages]
    return [{"href": href, "label": str(number)} for number, href in sorted(entries)]
