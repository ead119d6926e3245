"""A written PDF read once: one pikepdf open, one walk of the structure tree and one scan of
each page's content stream, shared by every check of the file.

`PdfFile` holds what the checks need and nothing is read from the bytes a second time:
- the structure elements, the ParentTree and each page's marked content (PDF/UA checks);
- the text of every structure element, decoded through the fonts' ToUnicode maps the way
  a screen reader gets it (headings; `blocks()` for the reading level and the safety check);
- every text run with its font, printed size and place on the page (`lines()` for the
  large-print check; `page_sizes` and the runs for page-geometry checks);
- the document itself, so the measured reading level is written into the XMP metadata
  and saved without opening the file again (`with_reading_level`).

An independent reader (pdfminer.six) judges this one in the tests.
"""
from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

import pikepdf

from ..pdftree import kids, number_tree, save_with_reading_level
from .pdf_content import PageMarks, TextRun, scan_page
from .text import Block, BlockBuilder

# Structure types that make a block of text, and those whose words a reader does not read
# as part of the text (list bullets, anything marked as furniture).
BLOCK_TYPES = {**{f"/H{n}": ("heading", n) for n in range(1, 7)}, "/P": ("para", 0),
               "/LI": ("item", 0), "/LBody": ("item", 0), "/TH": ("cell", 0), "/TD": ("cell", 0),
               "/Caption": ("para", 0), "/BlockQuote": ("para", 0), "/Note": ("para", 0)}
SKIPPED_TYPES = {"/Lbl", "/Artifact"}


def is_element(node) -> bool:
    """Whether a structure-tree node is a structure element (not an MCR or OBJR)."""
    return isinstance(node, pikepdf.Dictionary) and "/S" in node and node.get("/Type") not in (
        pikepdf.Name.MCR, pikepdf.Name.OBJR)


def struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element reachable from the root, in document (depth-first) order."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return []
    order, seen = [], set()
    stack = list(reversed(kids(root)))
    while stack:
        node = stack.pop()
        if not is_element(node) or node.objgen in seen:
            continue
        seen.add(node.objgen)
        order.append(node)
        stack.extend(reversed(kids(node)))
    return order


@dataclass(frozen=True)
class Line:
    """One printed line: text runs on one baseline of a page, in one column."""

    page: int  # 1-based
    baseline: float
    x0: float
    x1: float
    size: float  # the most common printed size of its visible glyphs
    text: str
    italic: bool


class PdfFile:
    """A PDF read once (see the module docstring). Use as a context manager, or `close()`.

    `PdfFile(data)` opens bytes; `PdfFile.of(pdf)` reads a pikepdf.Pdf that the caller
    keeps open and closes; `PdfFile(data, pdf=pdf, owned=True)` reads the document `data`
    was saved from and closes it. `shapes=True` also records where paths and images are
    painted (`PageMarks.shapes`), for the page checks of a PDF alone (`verify.pagegeometry`)."""

    def __init__(self, data: bytes | None = None, *, pdf: pikepdf.Pdf | None = None, shapes: bool = False,
                 owned: bool = False):
        if pdf is None:
            if data is None:
                raise ValueError("PdfFile needs the bytes of a PDF or an open pikepdf.Pdf")
            pdf = pikepdf.open(io.BytesIO(data))
            owned = True
        self._owned = owned
        self.data = data
        self.pdf = pdf
        self.pages = list(pdf.pages)
        self.page_index = {page.obj.objgen: i for i, page in enumerate(self.pages)}
        tree = pdf.Root.get("/StructTreeRoot")
        parent_tree = tree.get("/ParentTree") if tree is not None else None
        self.has_tree = parent_tree is not None
        self.elements = struct_elements(pdf)
        self.reachable = {e.objgen for e in self.elements}
        self.parents = number_tree(parent_tree) if parent_tree is not None else {}
        cmaps: dict = {}
        # shapes: also where every path and image is painted (the page geometry `publish check`
        # measures; a build measures the laid-out boxes instead and does not pay for it)
        self.marks: list[PageMarks] = [scan_page(p, decode=True, cmaps=cmaps, shapes=shapes) for p in self.pages]

    @classmethod
    def of(cls, pdf: pikepdf.Pdf) -> "PdfFile":
        """Read an open pikepdf.Pdf (the caller closes it)."""
        return cls(pdf=pdf)

    def __enter__(self) -> "PdfFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            self.pdf.close()

    # -- pages -----------------------------------------------------------------------------

    @cached_property
    def page_sizes(self) -> list[tuple[float, float]]:
        """(width, height) in points of each page's MediaBox."""
        sizes = []
        for page in self.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            sizes.append((abs(x1 - x0), abs(y1 - y0)))
        return sizes

    def runs(self) -> list[tuple[int, TextRun]]:
        """(1-based page, run) of every text run, artifacts included, page by page."""
        return [(number, run) for number, marks in enumerate(self.marks, start=1) for run in marks.runs]

    def page_of(self, node, inherited: int | None) -> int | None:
        """The page index of a structure node (its /Pg, else the inherited one)."""
        page = node.get("/Pg")
        return self.page_index.get(page.objgen, inherited) if page is not None else inherited

    # -- text ------------------------------------------------------------------------------

    def text(self, element) -> str:
        """The words of an element, from the marked content of it and its descendants."""
        pieces: list[tuple[float, str]] = []

        def walk(node, page):
            page = self.page_of(node, page)
            for kid in kids(node):
                if isinstance(kid, int):
                    if page is not None:
                        pieces.extend(self.marks[page].texts(kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
                    kid_page = self.page_of(kid, page)
                    if kid_page is not None:
                        pieces.extend(self.marks[kid_page].texts(int(kid.MCID)))
                elif is_element(kid):
                    walk(kid, page)

        walk(element, None)
        return " ".join(_joined(pieces).split())

    def marked_text(self, page: int, mcid: int) -> str:
        """The text of one marked-content sequence (a page index and its MCID)."""
        return _joined(self.marks[page].texts(mcid))

    def blocks(self) -> list[Block]:
        """The text as headings, paragraphs and list items, read through the structure tree.

        Why the structure tree: it is what assistive technology reads, it gives headings
        with their levels and list items as units, and it leaves out page furniture on its
        own: running footers and page numbers are artifacts or belong to no structure
        element, so their text is never reached."""
        return list(self._blocks)

    @cached_property
    def _blocks(self) -> tuple[Block, ...]:
        root = self.pdf.Root.get("/StructTreeRoot")
        if root is None:
            return ()
        roles = {str(k): str(v) for k, v in root.get("/RoleMap", {}).items()}
        builder = BlockBuilder()
        seen: set = set()

        def visit(node, page, block, lang):
            if isinstance(node, pikepdf.Array):
                for item in node:
                    visit(item, page, block, lang)
                return
            if isinstance(node, int):  # a marked-content id on the current page
                if page is not None:
                    builder.add(block, self.marked_text(page, node))
                return
            if not isinstance(node, pikepdf.Dictionary):
                return
            if node.objgen != (0, 0):
                if node.objgen in seen:
                    return
                seen.add(node.objgen)
            page = self.page_of(node, page)
            kind = node.get("/Type")
            if kind == pikepdf.Name.MCR:
                if page is not None:
                    builder.add(block, self.marked_text(page, int(node.MCID)))
                return
            if kind == pikepdf.Name.OBJR:
                return
            lang = str(node.get("/Lang", lang) or lang)
            tag = str(node.get("/S", ""))
            tag = roles.get(tag, tag)
            if tag in SKIPPED_TYPES:
                return
            if tag in BLOCK_TYPES:
                block = builder.open(*BLOCK_TYPES[tag], lang=lang)
            if "/K" in node:
                visit(node.K, page, block, lang)

        visit(root.get("/K"), None, None, str(self.pdf.Root.get("/Lang", "")))
        return tuple(builder.blocks())

    # -- printed lines ---------------------------------------------------------------------

    def lines(self) -> list[Line]:
        """The printed lines, page by page and top to bottom: text runs grouped by baseline
        and split where a wide gap separates two columns (e.g. the left and right footer
        boxes). Artifacts count: the running footer is printed too."""
        return list(self._lines)

    @cached_property
    def _lines(self) -> tuple[Line, ...]:
        lines: list[Line] = []
        for number, marks in enumerate(self.marks, start=1):
            by_baseline: dict[float, list[TextRun]] = defaultdict(list)
            for run in marks.runs:
                if run.raw:
                    by_baseline[round(run.baseline, 1)].append(run)
            for baseline in sorted(by_baseline, reverse=True):
                runs = sorted(by_baseline[baseline], key=lambda r: r.x0)
                group = [runs[0]]
                for run in runs[1:] + [None]:
                    if run is not None and run.x0 - group[-1].x1 < 2 * max(run.size, group[-1].size):
                        group.append(run)
                        continue
                    lines.append(_line(number, baseline, group))
                    group = [run]
        return tuple(lines)

    # -- the reading level in the metadata -------------------------------------------------

    def with_reading_level(self, level: str) -> bytes:
        """Write the measured reading level into the XMP metadata (see
        `pdftree.save_with_reading_level`) and return the saved bytes; the checks that
        follow read this same document, so they see what was saved."""
        self.data = save_with_reading_level(self.pdf, level)
        return self.data


def _joined(pieces: list[tuple[float, str]]) -> str:
    """Text pieces of one element or marked-content sequence, in order; a new line of text
    with no space at the break still parts the words there."""
    out, last_line = "", None
    for line, text in pieces:
        if last_line is not None and line != last_line and out and not out[-1].isspace() \
                and text and not text[0].isspace() and not re.search(r"\w-$", out):
            out += " "
        out += text
        last_line = line
    return out


def _line(page: int, baseline: float, runs: list[TextRun]) -> Line:
    texts = [(run, run.text) for run in runs]
    visible = [(run, text) for run, text in texts if text.strip()] or texts
    sizes = Counter()
    for run, text in visible:
        sizes[round(run.size, 1)] += len(text.strip()) or 1
    return Line(page=page, baseline=baseline, x0=min(r.x0 for r in runs), x1=max(r.x1 for r in runs),
                size=sizes.most_common(1)[0][0], text="".join(text for _, text in texts),
                italic=any(run.italic for run, _ in visible))


def read_pdf(data: bytes, fmt=None, *, opened: pikepdf.Pdf | None = None) -> PdfFile:
    """Open PDF bytes once for all the checks (the PDF Format record's reader). `opened`:
    the document those bytes were saved from, still open (the writer's): it is read instead
    of parsing `data` again, and closed with the PdfFile."""
    return PdfFile(data) if opened is None else PdfFile(data, pdf=opened, owned=True)


def pdf_blocks(data: bytes) -> list[Block]:
    """The blocks of a tagged PDF's bytes, read through its structure tree (`PdfFile.blocks`)."""
    with PdfFile(data) as pdf:
        return pdf.blocks()
