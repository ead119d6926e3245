"""A laid-out WeasyPrint document -> findings about the page as the reader sees it (g- codes).

Runs on the render, before anything is written (writers/pdf.py calls `check_layout`): every
box's position is known there, so nothing is parsed back from the PDF. One pass over the
page boxes collects the lines of text (position, size, the HTML element they come from,
the page and the column they sit in); the checks then read that list:

- g-001 the text of the pages differs from the text of the HTML (missing, cut or added),
- g-002 a numbered list item prints another number than the HTML gives it,
- g-003 a glyph lies outside its column (or its block) or off the page,
- g-004 the warning signs and the crisis box are not on one page and in one column,
- g-005 a box (callout) is split over pages or columns,
- g-006 a heading is the last line of a page or a column,
- g-007 a page (not the last) has more than a third of its text area empty, columns
  counted apart, unless keeping the safety block whole or a forced break explains it,
- g-008 body lines average fewer than 45 or more than 80 characters (in any one language),
- g-009 clinician text smaller than 9 pt,
- g-010 the last item of a list, or the last row of a table, alone at the top of a page,
- g-011 a blank gap taller than four lines between two lines of text in one column (a
  picture, a table or a box drawn there is not blank; the foot of a column is not inside it),
- g-012 a glyph (the running footer's too) closer than 0.25 in to an edge of the paper,
  where office printers do not print (a warning).

Each finding names the page and the section (the `id` of the nearest enclosing section).
Lengths are in CSS px as WeasyPrint lays them out (1 px = 0.75 pt) and shown in pt.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from ..findings import Finding, Severity, finding


@lru_cache(maxsize=1)
def _boxes():
    """WeasyPrint's box classes, imported when a build's layout is measured: `publish check`
    runs these checks on a PDF alone (verify/pagegeometry) and loads no renderer."""
    from weasyprint.formatting_structure import boxes
    return boxes


PT = 0.75  # pt per CSS px
TOLERANCE = 0.75  # px a glyph may stand out (anti-aliasing, rounding)
EMPTY_SHARE_MAX = 1 / 3
LINE_CHARS = (45, 80)
GAP_LINES_MAX = 4
#: Office printers leave 0.17-0.25 in of the paper's edge unprinted: every glyph keeps
#: this far (px, 0.25 in) from each edge (g-012).
PRINTABLE_EDGE = 0.25 * 96
#: A glyph's ink above and below its baseline, in font sizes (Atkinson Hyperlegible's
#: capitals and descenders, with a little to spare); pagegeometry reads lines alike.
INK_ABOVE, INK_BELOW = 0.9, 0.3  # a blank gap inside a column may be at most this many body lines tall
MIN_LINES_FOR_MEASURE = 8  # fewer body lines than this say nothing about the measure
CLINICIAN_MIN_PT = 9.0
MAX_TEXT_FINDINGS = 5  # per document; the rest are counted in the last one
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BODY_BLOCKS = {"p", "li", "dd", "blockquote"}
NOT_BODY = {"table", "th", "td", "caption", "figcaption"}
NOT_BODY_CLASSES = {"title-block", "booklet-title", "digital-version", "clinic", "edition-line"}
SAFETY_CLASS = "safety-signs"
BOX_CLASS = "callout"
FORCED = {"page", "left", "right", "recto", "verso"}
_IGNORED_CHARS = re.compile("[\\s\u00ad\u2010]")


@dataclass
class Line:
    """One line of text on a page."""

    page: int  # 0-based
    column: object  # the column box (or None: the page's own flow)
    x0: float
    x1: float  # right edge of the rightmost glyph
    y0: float
    y1: float
    text: str
    block: object  # the HTML element of the block the line belongs to
    limit: tuple[float, float]  # the x range the text must stay in (its column, or its block)
    sizes: tuple[float, ...]  # font sizes (px) of its text
    last_in_block: bool = False
    # the glyphs' ink (top, bottom) when it is not (y0, y1): a line box holds leading too
    ink: tuple[float, float] | None = None


@dataclass
class Page:
    index: int
    x0: float
    y0: float
    x1: float
    y1: float
    lines: list[Line] = field(default_factory=list)
    leaves: list[tuple[float, float, float, float]] = field(default_factory=list)  # painted boxes
    columns: list = field(default_factory=list)  # column boxes, in order
    # id of a multi-column flow's element -> its number of columns (a flow that fills only
    # its left column on a page still has its right one there, empty)
    column_counts: dict = field(default_factory=dict)
    paper_width: float = 0.0
    paper_height: float = 0.0


@dataclass
class Layout:
    """What the checks read: pages, and the laid-out text of each element."""

    pages: list[Page]
    texts: dict = field(default_factory=lambda: defaultdict(list))  # element -> [text of its boxes]
    markers: dict = field(default_factory=dict)  # li element -> its printed marker text
    boxes_of: dict = field(default_factory=lambda: defaultdict(set))  # element -> {(page, column id)}
    heights: dict = field(default_factory=lambda: defaultdict(float))  # element -> total height
    parents: dict = field(default_factory=dict)  # element -> its parent (ElementTree has no getparent)
    forced_after: set[int] = field(default_factory=set)  # pages that end at a forced break
    # element -> ((first page, last page), break-before, break-after) of its in-flow boxes
    spans_seen: dict = field(default_factory=dict)
    root: object = None

    def ancestors(self, element) -> list:
        """The element and its ancestors, nearest first."""
        out = []
        while element is not None:
            out.append(element)
            element = self.parents.get(element)
        return out

    def section_of(self, element) -> str:
        """The id of the section an element is in (its nearest <section aria-labelledby>)."""
        for node in self.ancestors(element):
            if node.tag == "section" and node.get("aria-labelledby"):
                return node.get("aria-labelledby")
            if _classes(node) & {"title-block", "booklet-title"}:
                return "title"
        return "(outside any section)"

    def where(self, page: int, element) -> str:
        return f"page {page + 1}, section '{self.section_of(element)}'"


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


def _is_pseudo(box) -> bool:
    return "::" in (box.element_tag or "")


def measure(document) -> Layout:
    """Walk every page box of a rendered WeasyPrint document once."""
    layout = Layout(pages=[])
    for index, page in enumerate(document.pages):
        root = page._page_box
        p = Page(index, root.content_box_x(), root.content_box_y(),
                 root.content_box_x() + root.width, root.content_box_y() + root.height,
                 paper_width=root.margin_width(), paper_height=root.margin_height())
        layout.pages.append(p)
        for child in root.children:
            if isinstance(child, _boxes().MarginBox):
                _walk_margin(child, p)
            else:
                _walk(child, p, layout, column=None, limit=(p.x0, p.x1), spans={})
        _mark_last_lines(p)
    # A page ends at a forced break when an element that ends on it breaks the page after
    # itself, or one that starts on the next page breaks it before itself.
    # A break to a left or right page may put a blank page between: the page before it ends
    # at the forced break too.
    texted = {line.page for p in layout.pages for line in p.lines if line.column != "margin"}
    for element, (page, before, after) in layout.spans_seen.items():
        if before in FORCED and page[0] > 0:
            index = page[0] - 1
            layout.forced_after.add(index)
            while index > 0 and index not in texted:
                index -= 1
                layout.forced_after.add(index)
        if after in FORCED:
            layout.forced_after.add(page[1])
    return layout


def _walk_margin(box, page: Page) -> None:
    """Margin boxes (running footer): only their glyphs' places on the paper matter."""
    if isinstance(box, _boxes().LineBox):
        for text in _text_boxes(box):
            if not text.text.strip():
                continue
            page.lines.append(Line(page.index, "margin", text.position_x, text.position_x + text.width,
                                   box.position_y, box.position_y + box.height, text.text, None,
                                   (0, float("inf")), (text.style["font_size"],), ink=_ink([text])))
        return
    for child in getattr(box, "children", ()):
        _walk_margin(child, page)


def _ink(texts) -> tuple[float, float]:
    """(top, bottom) of the glyphs of text boxes: from each baseline, INK_ABOVE and
    INK_BELOW font sizes."""
    return (min(t.position_y + t.baseline - INK_ABOVE * t.style["font_size"] for t in texts),
            max(t.position_y + t.baseline + INK_BELOW * t.style["font_size"] for t in texts))


def _text_boxes(line):
    text_box = _boxes().TextBox
    for box in line.descendants():
        if isinstance(box, text_box):
            yield box


def _walk(box, page: Page, layout: Layout, *, column, limit, spans, outer=None) -> None:
    B = _boxes()  # once per box, not once per test (this walk visits every box of the document)
    if box.element is not None and layout.root is None and box.element_tag == "html":
        layout.root = box.element
        layout.parents = {child: parent for parent in box.element.iter() for child in parent}
    if getattr(box, "is_column", False):
        column = box
        page.columns.append(box)
        limit = (box.content_box_x(), box.content_box_x() + box.width)
    if isinstance(box, B.LineBox):
        texts = []
        for inline in box.descendants():
            if isinstance(inline, B.TextBox):
                texts.append(inline)
            elif isinstance(inline, B.ReplacedBox):  # a picture in a line of text (Markdown's images)
                page.leaves.append((inline.border_box_x(), inline.border_box_y(),
                                    inline.border_box_x() + inline.border_width(),
                                    inline.border_box_y() + inline.border_height()))
        _add_line(box, texts, page, layout, column, limit)
        return
    if isinstance(box, B.BlockLevelBox) and box.element is not None and not _is_pseudo(box):
        layout.boxes_of[box.element].add((page.index, id(column)))
        if box.element is not outer:  # an anonymous box inside its element's box: counted once
            layout.heights[box.element] += box.margin_height()
        if box.is_in_normal_flow():
            seen = layout.spans_seen.get(box.element)
            first_page = seen[0][0] if seen else page.index
            layout.spans_seen[box.element] = ((first_page, page.index), box.style["break_before"],
                                              box.style["break_after"])
    painted = (isinstance(box, B.ReplacedBox)
               or (isinstance(box, B.BlockBox) and box.style["background_color"].alpha > 0)
               or isinstance(box, B.TableCellBox))
    if painted:
        page.leaves.append((box.border_box_x(), box.border_box_y(),
                            box.border_box_x() + box.border_width(), box.border_box_y() + box.border_height()))
    inner = box.element if isinstance(box, B.BlockLevelBox) else outer
    children = getattr(box, "children", ())
    if any(getattr(child, "is_column", False) for child in children):
        count = box.style["column_count"]
        page.column_counts[id(box.element)] = count if isinstance(count, int) else sum(
            1 for child in children if getattr(child, "is_column", False))
    for child in children:
        _walk(child, page, layout, column=column, limit=limit, spans=spans, outer=inner)


def _add_line(line, texts: list, page: Page, layout: Layout, column, limit) -> None:
    """Record one line box of the text flow; `texts`: its text boxes, in order."""
    if not texts:
        return
    block = line.element
    content = [t for t in texts if not _is_pseudo(t)]
    for t in content:
        layout.texts[t.element].append(t.text)
    for t in texts:
        if t.element_tag == "li::marker":
            layout.markers.setdefault(t.element, t.text)
    if not content:  # a list marker's own line: the item's text is on the next one
        return
    layout.boxes_of[block].add((page.index, id(column)))
    x0 = min(t.position_x for t in content)
    x1 = max(t.position_x + t.width for t in content)
    text = "".join(t.text for t in content)
    record = Line(page.index, column, x0, x1, line.position_y, line.position_y + line.height, text, block,
                  limit, tuple(t.style["font_size"] for t in texts), ink=_ink(content))
    page.lines.append(record)
    page.leaves.append((x0, record.y0, x1, record.y1))


def _mark_last_lines(page: Page) -> None:
    """The last line of each block on the page is not a full line (for the measure)."""
    last: dict = {}
    for line in page.lines:
        if line.column != "margin":
            last[id(line.block)] = line
    for line in last.values():
        line.last_in_block = True


# --- naming -----------------------------------------------------------------------------

def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- the checks --------------------------------------------------------------------------

def check_layout(document, *, audience: str | None = None) -> list[Finding]:
    """Every g- check on a rendered WeasyPrint document (see the module docstring)."""
    layout = measure(document)
    found: list[Finding] = []
    found += check_text(layout)
    found += check_numbers(layout)
    found += check_overflow(layout)
    found += check_kept_together(layout)
    found += check_headings(layout)
    found += check_empty(layout)
    found += check_measure(layout)
    found += check_lone_last(layout)
    found += check_gaps(layout)
    found += check_edges(layout)
    if audience == "clinician":
        found += check_min_size(layout, CLINICIAN_MIN_PT, "g-009")
    return found


def _squeeze(text: str) -> str:
    return _IGNORED_CHARS.sub("", text)


def _own_text(element) -> str:
    parts = [element.text or ""]
    parts += [child.tail or "" for child in element]
    return "".join(parts)


def _first_page_of(layout: Layout, element) -> int:
    pages = [p for p, _ in layout.boxes_of.get(element, ())]
    return min(pages) if pages else 0


def check_text(layout: Layout) -> list[Finding]:
    """g-001: the laid-out text of every element is its text in the HTML, in full."""
    if layout.root is None:
        return []
    body = layout.root.find("body")
    if body is None:
        return []
    problems = []
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        expected = _squeeze(_own_text(element))
        printed = _squeeze("".join(layout.texts.get(element, ())))
        if expected == printed or (expected and _repeated_header(layout, element)
                                   and printed == expected * (len(printed) // len(expected))):
            continue  # a table's header (and footer) rows are printed again on every page
        if not printed:
            what = f"'{_short(_own_text(element))}' is missing from the pages"
        elif printed.startswith(expected) or expected.startswith(printed):
            cut = expected[len(printed):] if len(expected) > len(printed) else printed[len(expected):]
            what = (f"the text of <{element.tag}> is cut short: '{_short(cut)}' is not printed"
                    if len(expected) > len(printed) else f"the pages add '{_short(cut)}' to <{element.tag}>")
        else:
            what = f"the printed text of <{element.tag}> differs from the HTML ('{_short(_own_text(element))}')"
        problems.append((element, what))
    return _capped("g-001", [(layout.where(_first_page_of(layout, e), e), what) for e, what in problems])


def _repeated_header(layout: Layout, element) -> bool:
    return any(a.tag in ("thead", "tfoot") for a in layout.ancestors(element))


def _capped(code: str, items: list[tuple[str, str]], severity: Severity = Severity.ERROR) -> list[Finding]:
    out = [finding(code, f"{where}: {what}", severity=severity) for where, what in items[:MAX_TEXT_FINDINGS]]
    if len(items) > MAX_TEXT_FINDINGS:
        out.append(finding(code, f"and {len(items) - MAX_TEXT_FINDINGS} more like these", severity=severity))
    return out


_NUMBER = re.compile(r"\s*(-?\d+)")


def check_numbers(layout: Layout) -> list[Finding]:
    """g-002: each item of a numbered list prints the number the HTML gives it."""
    if layout.root is None:
        return []
    problems = []
    for ol in layout.root.iter("ol"):
        try:
            number = int(ol.get("start", "1")) - 1
        except ValueError:
            number = 0
        for li in ol:
            if not isinstance(li.tag, str) or li.tag != "li":
                continue
            try:
                number = int(li.get("value")) if li.get("value") else number + 1
            except ValueError:
                number += 1
            marker = layout.markers.get(li)
            match = _NUMBER.match(marker or "")
            if match is None:  # not a decimal marker (letters, none): nothing to compare
                continue
            if int(match[1]) != number:
                problems.append((layout.where(_first_page_of(layout, li), li),
                                 f"list item '{_short(''.join(li.itertext()), 30)}' is printed as number "
                                 f"{match[1]}, the HTML numbers it {number}"))
    return _capped("g-002", problems)


def check_overflow(layout: Layout) -> list[Finding]:
    """g-003: every glyph inside the paper, its column and its block."""
    problems = []
    for page in layout.pages:
        for line in page.lines:
            if line.column == "margin":
                # A margin box (the running footer) grows with its text: too many lines push
                # its last ones below the paper's foot (or above its top).
                if (line.x0 < -TOLERANCE or line.x1 > page.paper_width + TOLERANCE
                        or line.y0 < -TOLERANCE or line.y1 > page.paper_height + TOLERANCE):
                    problems.append((f"page {page.index + 1}, running footer",
                                     f"'{_short(line.text)}' runs off the paper"))
                continue
            left, right = line.limit
            if line.x1 > right + TOLERANCE or line.x0 < left - TOLERANCE:
                over = max(line.x1 - right, left - line.x0) * PT
                off_paper = line.x1 > page.paper_width + TOLERANCE or line.x0 < -TOLERANCE
                where = "off the paper" if off_paper else (
                    "out of its column" if line.column is not None else "out of the text area")
                problems.append((layout.where(page.index, line.block),
                                 f"'{_short(line.text)}' runs {over:.1f} pt {where}"))
    return _capped("g-003", problems)


def check_edges(layout: Layout) -> list[Finding]:
    """g-012: every glyph, the running header's and footer's too, at least PRINTABLE_EDGE
    from each edge of the paper (office printers leave 0.17-0.25 in unprinted). Text off
    the paper is g-003's: this check names what stands in the unprinted band only."""
    problems = []
    for page in layout.pages:
        near = []  # (distance, edge, line): each line's nearest edge; the page's nearest one is said
        for line in page.lines:
            top, bottom = line.ink or (line.y0, line.y1)
            gaps = {"left": line.x0, "right": page.paper_width - line.x1,
                    "top": top, "bottom": page.paper_height - bottom}
            side, gap = min(gaps.items(), key=lambda item: item[1])
            if -TOLERANCE <= gap < PRINTABLE_EDGE - TOLERANCE:
                near.append((gap, side, line))
        if near:
            gap, side, line = min(near, key=lambda item: item[0])
            top = (line.ink or (line.y0, line.y1))[0]
            if line.column == "margin":
                where = f"page {page.index + 1}, running {'header' if top < page.paper_height / 2 else 'footer'}"
            else:
                where = layout.where(page.index, line.block)
            others = f" (and {len(near) - 1} more lines)" if len(near) > 1 else ""
            distance = max(gap, 0) * PT / 72
            at = f"{distance:.2f} in from the paper's {side} edge" if distance >= 0.005 else f"at the paper's {side} edge"
            problems.append((where, f"'{_short(line.text)}'{others} is printed {at}, where printers leave the "
                                    f"paper blank (0.25 in or more)"))
    return _capped("g-012", problems, severity=Severity.WARNING)


def _elements_with_class(layout: Layout, name: str):
    if layout.root is None:
        return []
    return [e for e in layout.root.iter() if isinstance(e.tag, str) and name in _classes(e)]


def check_kept_together(layout: Layout) -> list[Finding]:
    """g-004 / g-005: the safety block, and every box, on one page and in one column."""
    out = []
    height = max((p.y1 - p.y0 for p in layout.pages), default=0)
    for code, name, what in (("g-004", SAFETY_CLASS, "the warning signs and the crisis box are"),
                             ("g-005", BOX_CLASS, "a box is")):
        for element in _elements_with_class(layout, name):
            if name == BOX_CLASS and any(SAFETY_CLASS in _classes(a) for a in layout.ancestors(element)[1:]):
                continue  # the crisis box: g-004 speaks for it
            places = _places(layout, element)
            if len(places) < 2:
                continue
            pages = sorted({p for p, _ in places})
            span = (f"split over pages {pages[0] + 1}-{pages[-1] + 1}" if len(pages) > 1
                    else "split over two columns")
            too_tall = _content_height(layout, element) > height
            if code == "g-004":
                # Heading, lead-in, signs and crisis box taller than a page together: the
                # block breaks inside its signs list (print.css, `.safety-tall`), the lead-in
                # with the first signs (check_lead_in), the crisis box whole with the last ones.
                block_tall = _safety_height(layout, element) > height and _box_whole(layout, element)
                out.append(safety_split(layout.where(pages[0], element), span, too_tall=too_tall,
                                        block_tall=block_tall))
                continue
            note = " (it is taller than a page: shorten it)" if too_tall else ""
            out.append(finding(code, f"{layout.where(pages[0], element)}: {what} {span}{note}", severity=Severity.WARNING))
    out += check_lead_in(layout)
    return out


def safety_split(where: str, span: str, *, too_tall: bool, block_tall: bool) -> Finding:
    """g-004 for warning signs and a crisis box found apart (`span`: "split over pages 5-6"):
    an error, but a warning when the signs and box are taller than a page (`too_tall`), or
    when the whole safety block is (`block_tall`: heading, lead-in, signs and box; laid out as
    well as it can be, it breaks inside its signs list, as the README says). The build and
    `publish check` (verify.pagegeometry) say it alike."""
    if too_tall:
        return finding("g-004", f"{where}: the warning signs and the crisis box are {span} (it is taller than a "
                                "page: shorten it)", severity=Severity.WARNING)
    if block_tall:
        return finding("g-004", f"{where}: the safety block (heading, lead-in, warning signs and crisis box) is "
                                f"taller than a page, so its signs list breaks ({span}); the crisis box is whole "
                                "with the last signs", severity=Severity.WARNING)
    return finding("g-004", f"{where}: the warning signs and the crisis box are {span}")


def _safety_unit(layout: Layout, signs) -> tuple:
    """(heading, safety block) of the safety section that holds `signs` (either may be None)."""
    block = next((a for a in layout.ancestors(signs)[1:] if "safety-block" in _classes(a)), None)
    section = layout.parents.get(block) if block is not None else None
    heading = next((c for c in section if isinstance(c.tag, str) and c.tag in HEADINGS), None) if section is not None else None
    return heading, block


def _box_whole(layout: Layout, signs) -> bool:
    """The crisis box inside `signs` lies on one page and column, and so does the last sign."""
    boxes_in = [e for e in signs.iter() if isinstance(e.tag, str) and BOX_CLASS in _classes(e)]
    signs_list = [e for e in signs.iter("li") if BOX_CLASS not in {c for a in layout.ancestors(e) for c in _classes(a)}]
    if not boxes_in:
        return False
    places = _places(layout, boxes_in[0])
    if signs_list:
        places |= set(layout.boxes_of.get(signs_list[-1], ()))
    return len(places) == 1


def _safety_height(layout: Layout, signs) -> float:
    """The height of the whole safety block (heading, lead-in, signs, crisis box): when it is
    taller than a page it must break, inside the signs list (print.css, `.safety-tall`)."""
    heading, block = _safety_unit(layout, signs)
    parts = [e for e in (heading, block) if e is not None]
    return sum(_content_height(layout, e) for e in parts) if parts else _content_height(layout, signs)


def _content_height(layout: Layout, element) -> float:
    """The height of an element's content: its child elements' heights added up (the box of
    an element split over pages reaches the foot of the page, its content may not)."""
    children = [c for c in element if isinstance(c.tag, str) and c in layout.heights]
    if not children or len(layout.boxes_of.get(element, ())) < 2:
        return layout.heights.get(element, 0)
    return sum(_content_height(layout, c) for c in children)


def check_lead_in(layout: Layout) -> list[Finding]:
    """g-004: the safety section's heading and its lead-in ("... any of these:") are on the
    page and in the column of the first warning sign: never alone at the foot of a page."""
    out = []
    for signs in _elements_with_class(layout, SAFETY_CLASS):
        heading, block = _safety_unit(layout, signs)
        first_sign = next((li for li in signs.iter("li")), None)
        if block is None or first_sign is None:
            continue
        lead = [c for c in block if isinstance(c.tag, str) and c.tag == "p"]
        sign_places = layout.boxes_of.get(first_sign, set())
        if not sign_places:
            continue
        sign_place = min(sign_places, key=lambda place: place[0])
        for part, what in ((lead[-1] if lead else None, "lead-in"), (heading, "heading")):
            places = layout.boxes_of.get(part, set()) if part is not None else set()
            if places and max(places, key=lambda place: place[0]) != sign_place:
                page = max(p for p, _ in places)
                out.append(finding("g-004", f"{layout.where(page, part)}: the safety section's {what} "
                                            f"'{_short(''.join(part.itertext()), 30)}' is not on the page (and in the "
                                            f"column) of the first warning sign (page {sign_place[0] + 1})"))
                break
    return out


def _places(layout: Layout, element) -> set:
    places = set(layout.boxes_of.get(element, ()))
    for descendant in element.iter():
        places |= layout.boxes_of.get(descendant, set())
    return places


def check_headings(layout: Layout) -> list[Finding]:
    """g-006: no heading is the last line of a page or of a column (with text after it)."""
    out = []
    all_lines = [line for page in layout.pages for line in page.lines if line.column != "margin"]
    for page in layout.pages:
        lines = [line for line in page.lines if line.column != "margin"]
        by_column: dict = defaultdict(list)
        for line in lines:
            by_column[id(line.column)].append(line)
        for column_lines in by_column.values():
            last = max(column_lines, key=lambda line: line.y1)
            if last.block is None or last.block.tag not in HEADINGS or last is all_lines[-1]:
                continue
            place = "column" if last.column is not None else "page"
            out.append(finding("g-006", f"{layout.where(page.index, last.block)}: the heading '{_short(last.text)}' "
                                        f"is the last line of its {place}", severity=Severity.WARNING))
    return out


def _strips(page: Page) -> list[tuple[float, float]]:
    """The page's text area cut into its columns (the most columns any flow on it has)."""
    per_flow: dict = defaultdict(list)
    for column in page.columns:
        per_flow[id(getattr(column, "element", None))].append(column)
    count = max((max(len(c), page.column_counts.get(flow, 0)) for flow, c in per_flow.items()), default=1)
    width = (page.x1 - page.x0) / count
    return [(page.x0 + i * width, page.x0 + (i + 1) * width) for i in range(count)]


def empty_share(page: Page) -> float:
    """The share of the text area with nothing on it, columns counted apart: gaps taller
    than two lines count (the space between paragraphs does not)."""
    body = [line for line in page.lines if line.column != "margin"]
    step = sorted(line.y1 - line.y0 for line in body)[len(body) // 2] if body else 0
    height = page.y1 - page.y0
    shares = []
    for left, right in _strips(page):
        spans = sorted((y0, y1) for x0, y0, x1, y1 in page.leaves if x0 < right - 1 and x1 > left + 1)
        empty, cursor = 0.0, page.y0
        for y0, y1 in spans:
            if y0 - cursor > 2 * step:
                empty += y0 - cursor
            cursor = max(cursor, y1)
        empty += max(0.0, page.y1 - cursor)
        shares.append(empty / height if height else 0)
    return sum(shares) / len(shares)


def _safety_pushed(layout: Layout, page: Page, after: Page) -> bool:
    """The page after `page` opens with the whole safety block, kept together, and the block
    could not fit in the space left at the foot of `page`: that explains a short `page`. A
    page that holds the heading or the lead-in of the safety section is not explained."""
    first = next((line for line in after.lines if line.column != "margin" and line.block is not None), None)
    if first is None:
        return False
    section = next((e for e in layout.ancestors(first.block) if "seek-help" in _classes(e)), None)
    if section is None:
        return False
    body = [line for line in page.lines if line.column != "margin"]
    if any(section in layout.ancestors(line.block) for line in body if line.block is not None):
        return False
    signs = next((e for e in section.iter() if isinstance(e.tag, str) and SAFETY_CLASS in _classes(e)), None)
    needed = _safety_height(layout, signs) if signs is not None else layout.heights.get(section, 0)
    left = page.y1 - max((line.y1 for line in body), default=page.y0)
    # The heading's margin above it is dropped at the top of a page, so its measured height
    # is short by up to a line: a block within a line of the space left did not fit either.
    step = sorted(line.y1 - line.y0 for line in body)[len(body) // 2] if body else 0
    return needed > left - step


def check_empty(layout: Layout) -> list[Finding]:
    """g-007: every page but the last has at most a third of its text area empty."""
    out = []
    for page, after in zip(layout.pages, layout.pages[1:]):
        share = empty_share(page)
        if share <= EMPTY_SHARE_MAX or _safety_pushed(layout, page, after) or page.index in layout.forced_after:
            continue
        text = [line for line in page.lines if line.column != "margin"]
        element = text[-1].block if text else None
        out.append(finding("g-007", f"{layout.where(page.index, element)}: {share:.0%} of the text area is empty "
                                    "(at most a third may be, but on the last page)", severity=Severity.WARNING))
    return out


def body_lines(layout: Layout) -> list[Line]:
    """Full lines of running text: lines of paragraphs and list items that are not the
    last line of their block, outside tables, headings and the title block."""
    out = []
    body: dict = {}  # block element -> whether its lines are body text (a block has many lines)
    for page in layout.pages:
        for line in page.lines:
            if line.column == "margin" or line.last_in_block or line.block is None:
                continue
            block = line.block
            if block not in body:
                body[block] = block.tag in BODY_BLOCKS and not any(
                    a.tag in NOT_BODY or _classes(a) & NOT_BODY_CLASSES for a in layout.ancestors(block))
            if body[block]:
                out.append(line)
    return out


def language_of(layout: Layout, element) -> str:
    """The language an element is in: the `lang` of it or its nearest ancestor ("" if none)."""
    for node in layout.ancestors(element):
        if node.get("lang"):
            return node.get("lang")
    return ""


def average_lines(layout: Layout, lines: list[Line] | None = None) -> dict[str, float]:
    """Average characters a full body line in each language of the document (a bilingual
    handout has two parts; Spanish words are longer, so its lines run shorter), leaving out
    a language with too few lines to tell. `lines`: `body_lines(layout)`, if the caller has them."""
    by_lang: dict = defaultdict(list)
    langs: dict = {}  # block element -> its language (a block has many lines)
    for line in body_lines(layout) if lines is None else lines:
        if line.block not in langs:
            langs[line.block] = language_of(layout, line.block)
        by_lang[langs[line.block]].append(len(line.text.strip()))
    return {lang: sum(n) / len(n) for lang, n in by_lang.items() if len(n) >= MIN_LINES_FOR_MEASURE}


def check_measure(layout: Layout) -> list[Finding]:
    """g-008: full body lines average 45-80 characters, in each language of the document."""
    out = []
    lines = body_lines(layout)
    for lang, average in average_lines(layout, lines).items():
        if LINE_CHARS[0] <= average <= LINE_CHARS[1]:
            continue
        by_section: dict = defaultdict(list)
        for line in lines:
            if language_of(layout, line.block) == lang:
                by_section[layout.section_of(line.block)].append(len(line.text.strip()))
        pick = max if average > LINE_CHARS[1] else min
        worst = pick(by_section, key=lambda s: sum(by_section[s]) / len(by_section[s]))
        worst_avg = sum(by_section[worst]) / len(by_section[worst])
        first = next(line for line in lines if layout.section_of(line.block) == worst)
        out.append(finding("g-008", f"page {first.page + 1}, section '{worst}': body lines average {average:.0f} "
                                    f"characters ({worst_avg:.0f} in this section); {LINE_CHARS[0]}-{LINE_CHARS[1]} "
                                    "is the range", severity=Severity.WARNING))
    return out


def check_min_size(layout: Layout, minimum_pt: float, code: str) -> list[Finding]:
    """Text smaller than `minimum_pt` (running footer included)."""
    problems = []
    for page in layout.pages:
        for line in page.lines:
            small = min(line.sizes) * PT
            if small < minimum_pt - 0.01:
                where = (f"page {page.index + 1}, running footer" if line.column == "margin"
                         else layout.where(page.index, line.block))
                problems.append((where, f"'{_short(line.text)}' is set in {small:.1f} pt; "
                                        f"the least is {minimum_pt:g} pt"))
    return _capped(code, problems)


def check_lone_last(layout: Layout) -> list[Finding]:
    """g-010: a page does not open with the last item of a list (or the last row of a
    table) whose other items or rows are on the page before."""
    out = []
    for page in layout.pages[1:]:
        first = next((line for line in page.lines if line.column != "margin" and line.block is not None), None)
        if first is None:
            continue
        ancestors = layout.ancestors(first.block)
        for kind, group_tags in (("li", ("ul", "ol")), ("tr", ("tbody", "table"))):
            item = next((a for a in ancestors if a.tag == kind), None)
            if item is None:
                continue
            group = layout.parents.get(item)
            siblings = [c for c in group if c.tag == kind] if group is not None and group.tag in group_tags else []
            if len(siblings) < 2 or siblings[-1] is not item:
                continue
            earlier = {p for s in siblings[:-1] for p, _ in _places(layout, s)}
            if earlier and max(earlier) < page.index:
                what = "the last item of a list" if kind == "li" else "the last row of a table"
                out.append(finding("g-010", f"{layout.where(page.index, item)}: {what} stands alone at the top "
                                            "of the page", severity=Severity.WARNING))
    return out


def line_step(lines) -> float:
    """The height of a body line: the median height of the lines given (0 without any)."""
    heights = sorted(line.y1 - line.y0 for line in lines)
    return heights[len(heights) // 2] if heights else 0.0


def column_gaps(lines, leaves, *, step: float) -> list[tuple[float, float, object, object]]:
    """Blank gaps taller than GAP_LINES_MAX lines inside one column: (top, bottom, line
    above, line below) for each. `lines`: the column's lines of text (with x0, x1, y0, y1);
    `leaves`: every painted rectangle of the page (x0, y0, x1, y1): text, pictures, table
    cells, boxes with a background. Only the space between the column's first and last
    line is looked at, so the foot of a column (or page) that ends early is not a gap."""
    if len(lines) < 2 or step <= 0:
        return []
    ordered = sorted(lines, key=lambda line: line.y0)
    left = min(line.x0 for line in ordered)
    right = max(line.x1 for line in ordered)
    top, bottom = ordered[0].y0, max(line.y1 for line in ordered)
    spans = sorted((y0, y1) for x0, y0, x1, y1 in leaves
                   if x0 < right - 1 and x1 > left + 1 and y1 > top and y0 < bottom)
    gaps, cursor = [], top
    for y0, y1 in spans:
        if y0 - cursor > GAP_LINES_MAX * step:
            above = max((line for line in ordered if line.y1 <= cursor + 0.5), key=lambda line: line.y1,
                        default=ordered[0])
            below = min((line for line in ordered if line.y0 >= y0 - 0.5), key=lambda line: line.y0,
                        default=ordered[-1])
            gaps.append((cursor, y0, above, below))
        cursor = max(cursor, y1)
    return gaps


def column_groups(page: Page, lines: list[Line]) -> list[list[Line]]:
    """The page's lines by the column of the page they stand in, whatever flow they belong
    to (the foot of one flow's column and the same column of the next flow read as one
    column on the page). On a page with columns, lines outside any column (the title, a
    table, a section that stands full width) are a group of their own."""
    strips = _strips(page)
    if len(strips) < 2:
        return [lines] if lines else []
    groups: list[list[Line]] = [[] for _ in range(len(strips) + 1)]
    for line in lines:
        index = len(strips) if line.column is None else next(
            (i for i, (left, right) in enumerate(strips) if line.x0 >= left - 2 and line.x1 <= right + 2), len(strips))
        groups[index].append(line)
    return [group for group in groups if group]


def check_gaps(layout: Layout) -> list[Finding]:
    """g-011: no blank gap taller than four body lines inside a column (between two of its
    lines of text), columns counted apart; what a picture, a table or a box occupies is not
    blank, and the foot of a column or page is not inside it."""
    problems = []
    for page in layout.pages:
        text = [line for line in page.lines if line.column != "margin"]
        step = line_step(text)
        # Text that stands full width between flows fills the width of the page beside it.
        leaves = page.leaves + ([(page.x0, line.y0, page.x1, line.y1) for line in text if line.column is None]
                                if len(_strips(page)) > 1 else [])
        for column_lines in column_groups(page, text):
            for top, bottom, above, below in column_gaps(column_lines, leaves, step=step):
                problems.append((layout.where(page.index, below.block),
                                 f"a blank gap of {(bottom - top) * PT / 72:.1f} in ({(bottom - top) / step:.0f} "
                                 f"lines) inside the column, between '{_short(above.text, 30)}' and "
                                 f"'{_short(below.text, 30)}'"))
    return _capped("g-011", problems, severity=Severity.WARNING)
