"""A written PDF alone -> the page checks that need no source HTML (g- codes): what
`publish check FILE.pdf` measures on a PDF from anywhere.

A build measures WeasyPrint's layout boxes before writing (`verify.layout`); a PDF on disk
has only its pages. This module rebuilds the same picture from the one reading of the file
(`pdfread.PdfFile`, opened with `shapes=True`): every line of text (runs on one baseline,
parted where a wide gap separates two columns), where paths and pictures are painted, and
which structure element (paragraph, list item, heading, table cell, section, language part)
each line belongs to. The checks of `verify.layout` then run on it unchanged:

- g-003 text off the paper (the running footer too),
- g-004 the warning signs and the crisis box of the safety section (the one holding 988)
  not on one page and in one column (a warning when they, or the whole section, are taller
  than the text area: it then breaks inside its signs list),
- g-006 a heading that is the last line of a page or column,
- g-007 a page (not the last) more than a third empty, columns counted apart, unless the
  next page opens with the safety section (the one holding 988) that did not fit below, or
  with another language part (the bilingual handout's second sheet),
- g-008 body lines averaging outside 45-80 characters, in each language,
- g-010 a list's last item alone at the top of a page,
- g-011 a blank gap taller than four lines inside a column,
- g-012 text (the running footer too) closer than 0.25 in to an edge of the paper.

Build only (they need the HTML or the layout's boxes, see `BUILD_ONLY`): g-001 and g-002
compare the page with the HTML; g-003 "out of its column" needs the column boxes (a PDF
shows only where text is, not where its column ends); g-005 needs to know which block is
a box, and g-004's lead-in rule which paragraph is the lead-in; g-009 needs the audience;
g-007's forced page breaks other than a language part are known only from the stylesheet.

Sections are named by their heading's text (a PDF keeps no HTML ids). Lengths are turned
into CSS px (1 px = 0.75 pt, y downwards) so the checks read them as they read the layout.
"""
from __future__ import annotations

from collections import defaultdict

import pikepdf

from ..findings import Finding
from ..pdftree import kids
from . import layout as L
from .pdfread import PdfFile, is_element

#: The g- checks `publish check` runs on a PDF alone (the others run only in a build; see above).
ON_PDF = ("g-003", "g-004", "g-006", "g-007", "g-008", "g-010", "g-011", "g-012")
PX = 1 / L.PT  # CSS px per pt
COLUMN_GAP = 0.8  # runs on one baseline further apart than this many font sizes are two columns
TAGS = {"/P": "p", "/LI": "li", "/L": "ul", "/LBody": "lbody", "/Lbl": "lbl", "/Table": "table",
        "/THead": "thead", "/TBody": "tbody", "/TFoot": "tfoot", "/TR": "tr", "/TH": "th", "/TD": "td",
        "/Caption": "caption", "/BlockQuote": "blockquote", "/Sect": "section", "/Part": "main",
        "/Figure": "figure", "/Document": "html", **{f"/H{n}": f"h{n}" for n in range(1, 7)}}
BLOCKS = {"p", "li", "th", "td", "caption", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}
CRISIS_WORD = "988"


class Node:
    """A structure element as the layout checks read an HTML element: `tag`, `get()` of its
    attributes (class, lang, aria-labelledby), its children in order."""

    def __init__(self, tag: str, attrs: dict | None = None):
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.children: list[Node] = []

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def __iter__(self):
        return iter(self.children)

    def iter(self, tag: str | None = None):
        """The node and its descendants (of one tag), in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)


class _Column:
    """A column the lines of a two-column page were found in (for `layout._strips`)."""

    def __init__(self, flow):
        self.element = flow


def measure_pdf(file: PdfFile) -> L.Layout:
    """The `layout.Layout` of a written PDF (see the module docstring). `file` must have
    been opened with `shapes=True` (where paths and pictures are painted)."""
    nodes, root, text_of = _structure(file)
    layout = L.Layout(pages=[], root=root)
    layout.parents = {child: parent for parent in [root, *nodes.values()] for child in parent.children}
    page_lines = [_page_lines(file, index, nodes, layout) for index in range(len(file.pages))]
    area = _text_area(file, page_lines)
    flow = object()
    wide: dict = {}  # block -> _full_width (a block has many lines; it walks their ancestors)

    def full_width(block) -> bool:
        if block not in wide:
            wide[block] = _full_width(layout, block)
        return wide[block]
    for index, lines in enumerate(page_lines):
        width, height = file.page_sizes[index]
        page = L.Page(index, *area, paper_width=width * PX, paper_height=height * PX)
        body = [line for line in lines if line.column != "margin"]
        middle = (area[0] + area[2]) / 2
        flowing = [line for line in body if not full_width(line.block)]
        left = [line for line in flowing if line.x1 <= middle + 2]
        right = [line for line in flowing if line.x0 >= middle - 2]
        two_columns = len(left) >= 2 and len(right) >= 2  # text (outside tables) in both halves
        # Two columns when text stands in both halves of the page (a one-column page has its
        # short lines in one half only: the left, or the right in a right-to-left language),
        # or when all its text stands in one half, set a column wide (the other column is
        # empty: the block that comes next, kept whole, moved on to the next page).
        one_half = (len(left) >= 4 and not right or len(right) >= 4 and not left) and len(left or right) == len(flowing)
        columns = (_Column(flow), _Column(flow)) if two_columns or (
            one_half and _column_width(left or right, area)) else None
        if columns:
            page.columns.extend(columns)
        for line in lines:
            if line.column != "margin":
                line.column = None
                if columns and not full_width(line.block):
                    if line.x1 <= middle + 2:
                        line.column = columns[0]
                    elif line.x0 >= middle - 2:
                        line.column = columns[1]
                line.limit = (0.0, page.paper_width)
                layout.boxes_of[line.block].add((index, id(line.column)))
                page.leaves.append((line.x0, line.y0, line.x1, line.y1))
            page.lines.append(line)
        page.lines = _reading_order(page.lines, columns or ())
        for x0, y0, x1, y1 in file.marks[index].shapes:
            box = (x0 * PX, (height - y1) * PX, x1 * PX, (height - y0) * PX)
            top, bottom = max(box[1], area[1]), min(box[3], area[3])
            if bottom > top and box[2] > area[0] and box[0] < area[2]:  # inside the text area only
                page.leaves.append((box[0], top, box[2], bottom))
        L._mark_last_lines(page)
        layout.pages.append(page)
    _explain_short_pages(layout, text_of)
    return layout


def _column_width(lines: list[L.Line], area) -> bool:
    """Whether the lines of one half of the page are set a column wide (their longest line
    reaches most of the half): a column, not a few short lines of a one-column page."""
    half = (area[2] - area[0]) / 2
    return max(line.x1 - line.x0 for line in lines) > 0.9 * half


def check_pdf_pages(file: PdfFile) -> list[Finding]:
    """The g- checks of ON_PDF on a written PDF (opened with `shapes=True`)."""
    layout = measure_pdf(file)
    found: list[Finding] = []
    found += L.check_overflow(layout)
    found += check_safety_block(layout)
    found += L.check_headings(layout)
    found += L.check_empty(layout)
    found += L.check_measure(layout)
    found += L.check_lone_last(layout)
    found += L.check_gaps(layout)
    found += L.check_edges(layout)
    return found


def check_safety_block(layout: L.Layout) -> list[Finding]:
    """g-004 on a PDF alone: the warning signs (the items of the safety section's own list)
    and the crisis box (the section inside it, holding 988) on one page and in one column;
    said as the build says it (`layout.safety_split`): a warning when they, or the whole
    safety section, are taller than the text area, which the PDF's lines measure."""
    out = []
    lines = [line for page in layout.pages for line in page.lines if line.column != "margin" and line.block is not None]
    # The text area as the text shows it (its lowest line seldom reaches the foot), with a
    # line to spare: about the page's own text area, which the build compares with.
    height = max((page.y1 - page.y0 for page in layout.pages), default=0) + L.line_step(lines)
    for section in [n for n in layout.root.iter() if "seek-help" in (n.get("class") or "")] if layout.root else []:
        boxes = [n for n in section.iter() if n is not section and n.tag == "section"]
        inner = {id(n) for box in boxes for n in box.iter()}
        signs = {id(n) for li in section.iter("li") if id(li) not in inner for n in li.iter()}
        if not boxes or not signs:
            continue
        unit = signs | {id(n) for n in boxes[0].iter()}
        mine = [line for line in lines if id(line.block) in unit]
        places = {(line.page, id(line.column)) for line in mine}
        if len(places) < 2:
            continue
        pages = sorted({page for page, _ in places})
        span = f"split over pages {pages[0] + 1}-{pages[-1] + 1}" if len(pages) > 1 else "split over two columns"
        whole = [line for line in lines if section in layout.ancestors(line.block)]
        out.append(L.safety_split(layout.where(pages[0], section), span, too_tall=_extent(mine) > height,
                                  block_tall=_extent(whole) > height))
    return out


def _extent(lines: list[L.Line]) -> float:
    """The height the lines take, their pieces on each page and column added up."""
    pieces: dict = defaultdict(list)
    for line in lines:
        pieces[(line.page, id(line.column))].append(line)
    return sum(max(line.y1 for line in part) - min(line.y0 for line in part) for part in pieces.values())


# --- the structure tree as nodes ---------------------------------------------------------

def _structure(file: PdfFile):
    """({objgen: Node}, the root Node, {Node: its text}) of the structure tree."""
    tree = file.pdf.Root.get("/StructTreeRoot")
    roles = {str(k): str(v) for k, v in tree.get("/RoleMap", {}).items()} if tree is not None else {}
    root = Node("html", {"lang": str(file.pdf.Root.get("/Lang", "") or "")})
    nodes: dict = {}
    text_of: dict = {}
    if tree is None:
        return nodes, root, text_of

    def visit(element, parent: Node) -> None:
        if element.objgen in nodes:
            return
        kind = str(element.get("/S", ""))
        kind = roles.get(kind, kind)
        node = Node(TAGS.get(kind, kind.lstrip("/").lower()))
        if "/Lang" in element:
            node.attrs["lang"] = str(element.Lang)
        nodes[element.objgen] = node
        parent.children.append(node)
        for kid in kids(element):
            if is_element(kid):
                visit(kid, node)
        if node.tag == "section":
            text_of[node] = file.text(element)
        elif node.tag in L.HEADINGS:
            text_of[node] = " ".join(file.text(element).split())

    for kid in kids(tree):
        if is_element(kid):
            visit(kid, root)
    last = "(untitled)"
    for node in list(root.iter()):  # a section named after its first heading
        if node.tag == "section":
            heading = next((c for c in node.iter() if c.tag in L.HEADINGS), None)
            # A section without a heading is the rest of the one before it in another column
            # or page (WeasyPrint writes one element per fragment in a PDF it alone made).
            last = _short_name(text_of.get(heading, "")) if heading is not None else last
            node.attrs["aria-labelledby"] = last
            if CRISIS_WORD in text_of.get(node, "") and any(c.tag == "ul" for c in node.iter()):
                node.attrs["class"] = "seek-help"
    _mark_title_block(root)
    return nodes, root, text_of


def _short_name(text: str) -> str:
    return " ".join(text.split())[:60]


def _mark_title_block(root: Node) -> None:
    """The title block is the text outside <main> (the /Part): not body text (layout's
    NOT_BODY_CLASSES), named 'title'."""
    def holds_main(node: Node) -> bool:
        return any(n.tag == "main" for n in node.iter())

    def walk(node: Node) -> None:
        for child in node.children:
            if child.tag == "main":
                continue
            if holds_main(child):
                walk(child)
            elif child.tag in ("div", "p", "nonstruct") or child.tag in L.HEADINGS:
                child.attrs["class"] = "title-block"
    walk(root)


# --- lines of text ----------------------------------------------------------------------

def _page_lines(file: PdfFile, index: int, nodes: dict, layout: L.Layout) -> list[L.Line]:
    """The lines of one page in px (y downwards): non-artifact runs on one baseline, parted
    where a gap wider than COLUMN_GAP font sizes separates them; artifacts (the running
    footer) as 'margin' lines."""
    width, height = file.page_sizes[index]
    owners = _owners(file, index, nodes)
    by_baseline: dict = defaultdict(list)
    for run in file.marks[index].runs:
        if run.raw and run.text.strip():
            by_baseline[(round(run.baseline, 1), run.artifact is not None)].append(run)
    lines = []
    for (baseline, artifact), runs in sorted(by_baseline.items(), key=lambda item: -item[0][0]):
        runs.sort(key=lambda r: r.x0)
        group = [runs[0]]
        for run in runs[1:] + [None]:
            if run is not None and run.x0 - group[-1].x1 < COLUMN_GAP * max(run.size, group[-1].size):
                group.append(run)
                continue
            size = max(r.size for r in group)
            block = None if artifact else _block_of(group, owners, layout)
            lines.append(L.Line(index, "margin" if artifact else None, group[0].x0 * PX,
                                max(r.x1 for r in group) * PX, (height - baseline - L.INK_ABOVE * size) * PX,
                                (height - baseline + L.INK_BELOW * size) * PX, "".join(r.text for r in group), block,
                                (0.0, width * PX), tuple(r.size * PX for r in group)))
            group = [run]
    return [line for line in lines if line.column == "margin" or line.block is not None]


def _owners(file: PdfFile, index: int, nodes: dict) -> dict:
    """MCID -> the Node of the structure element its marked content belongs to."""
    key = file.pages[index].obj.get("/StructParents")
    array = file.parents.get(int(key)) if key is not None else None
    if array is None:
        return {}
    out = {}
    for mcid, element in enumerate(array):
        if isinstance(element, pikepdf.Dictionary) and element.objgen in nodes:
            out[mcid] = nodes[element.objgen]
    return out


def _block_of(runs, owners: dict, layout: L.Layout):
    """The block (paragraph, list item, heading, cell) a line's text belongs to: the nearest
    block around the marked content of its first run that is not a list label."""
    for run in runs:
        node = owners.get(run.mcid)
        if node is None:
            continue
        chain = layout.ancestors(node)
        if any(n.tag == "lbl" for n in chain):
            continue
        return next((n for n in chain if n.tag in BLOCKS), node)
    return None


def _text_area(file: PdfFile, page_lines: list[list[L.Line]]) -> tuple[float, float, float, float]:
    """The text area the pages share (px): every page's text and pictures, outside the
    running footer, taken together."""
    xs0, ys0, xs1, ys1 = [], [], [], []
    for index, lines in enumerate(page_lines):
        height = file.page_sizes[index][1]
        body = [line for line in lines if line.column != "margin"]
        footer_top = min((line.y0 for line in lines if line.column == "margin"), default=height * PX)
        for line in body:
            xs0.append(line.x0), ys0.append(line.y0), xs1.append(line.x1), ys1.append(line.y1)
        for x0, y0, x1, y1 in file.marks[index].shapes:
            top, bottom = (height - y1) * PX, (height - y0) * PX
            if bottom <= footer_top and (x1 - x0) * PX < file.page_sizes[index][0] * PX * 0.98:
                xs0.append(x0 * PX), ys0.append(top), xs1.append(x1 * PX), ys1.append(bottom)
    if not xs0:
        width, height = file.page_sizes[0] if file.page_sizes else (0, 0)
        return 0.0, 0.0, width * PX, height * PX
    return min(xs0), min(ys0), max(xs1), max(ys1)


def _full_width(layout: L.Layout, element) -> bool:
    """Whether a block stands across the whole text area, outside the columns: the title
    block (its QR code's caption beside the title is not a right-hand column), a table, or
    a section that shows one."""
    return element is not None and (_in_table(layout, element) or any(
        "title-block" in (a.get("class") or "") for a in layout.ancestors(element)))


def _reading_order(lines: list[L.Line], columns) -> list[L.Line]:
    """A page's lines in reading order (the PDF gives them by baseline): a line across the
    text area, then the left column down to the next such line, then the right column's,
    and so on; the running footer last."""
    body = [line for line in lines if line.column != "margin"]
    across = sorted(line.y0 for line in body if line.column is None)

    def key(line):
        if line.column is None:  # after the column lines above it
            return (sum(y < line.y0 for y in across) + 1, -1, line.y0, line.x0)
        band = sum(y < line.y0 for y in across)
        return (band, list(columns).index(line.column) if line.column in columns else 0, line.y0, line.x0)

    return sorted(body, key=key) + [line for line in lines if line.column == "margin"]


def _in_table(layout: L.Layout, element) -> bool:
    """Whether a block stands full width on a two-column page: it is in a table, or in a
    section that shows one (the layouts set such a section between two flows, full width)."""
    if element is None:
        return False
    return any(a.tag == "table" or (a.tag == "section" and any(n.tag == "table" for n in a.iter()))
               for a in layout.ancestors(element))


def _explain_short_pages(layout: L.Layout, text_of: dict) -> None:
    """What `check_empty` excuses on a PDF: the height of the safety section on the page it
    opens (kept whole, it moved on), and a page followed by another language part."""
    for page, after in zip(layout.pages, layout.pages[1:]):
        body = [line for line in after.lines if line.column != "margin"]
        for section in {a for line in body for a in layout.ancestors(line.block)
                        if "seek-help" in (a.get("class") or "")}:
            if section in layout.heights:  # measured on the page it opens
                continue
            mine = [line for line in body if section in layout.ancestors(line.block)]
            layout.heights[section] = max(line.y1 for line in mine) - min(line.y0 for line in mine)
        before = [line for line in page.lines if line.column != "margin"]
        if before and body and L.language_of(layout, before[-1].block) != L.language_of(layout, body[0].block):
            layout.forced_after.add(page.index)
        if not body:  # a page left blank on purpose (the next part starts on a right-hand
            # page): it and the page before it end at a forced break
            layout.forced_after.update({page.index, after.index})
