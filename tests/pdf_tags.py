"""Test helper: the text of each PDF structure element, read from the marked content it owns.

pdfminer.six reads the glyphs (with their Unicode) and reports each marked-content sequence
(BDC /MCID n ... EMC); pikepdf reads the structure tree. Joining the two tells whether a
piece of text is tagged (and by which element) or left outside the tree.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pikepdf
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage


class _MarkedText(PDFPageAggregator):
    """Collects the text drawn inside each MCID of a page ("artifact": inside an /Artifact,
    None: outside any marked content)."""

    def __init__(self, rsrcmgr):
        super().__init__(rsrcmgr, laparams=LAParams())
        self.stack: list[tuple[str, int | None]] = []  # (tag, MCID in force) of each open sequence
        self.text: dict = defaultdict(list)

    def begin_tag(self, tag, props=None):
        name = getattr(tag, "name", str(tag))
        mcid = props.get("MCID") if isinstance(props, dict) else None
        self.stack.append((name, mcid if mcid is not None else (self.stack[-1][1] if self.stack else None)))

    def end_tag(self):
        if self.stack:
            self.stack.pop()

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
        advance = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        if any(name == "Artifact" for name, _ in self.stack):
            key = "artifact"
        else:
            key = self.stack[-1][1] if self.stack else None
        self.text[key].append(self.cur_item._objs[-1].get_text())
        return advance


def marked_text(path: Path) -> list[dict]:
    """Per page: {mcid: text} ("artifact" and None collect text outside the tree)."""
    pages = []
    with open(path, "rb") as handle:
        manager = PDFResourceManager()
        for page in PDFPage.get_pages(handle):
            device = _MarkedText(manager)
            PDFPageInterpreter(manager, device).process_page(page)
            pages.append({k: "".join(v) for k, v in device.text.items()})
    return pages


def element_texts(path: Path) -> list[tuple[str, str]]:
    """(tag, text) for every structure element, in tree order; the text is that of all the
    marked content the element and its descendants own."""
    return [(tag, text) for tag, text, _ in tagged_texts(path)]


def tagged_texts(path: Path) -> list[tuple[str, str, str]]:
    """(tag, text, language in force) for every structure element, in tree order: the text as
    `element_texts` reads it, the language the element's own /Lang, else its nearest
    ancestor's, else the catalog's (ISO 32000-1, 14.9.2)."""
    per_page = marked_text(path)
    out = []
    with pikepdf.open(path) as pdf:
        page_index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}

        def text_of(node, page=None) -> str:
            if isinstance(node, pikepdf.Array):
                return "".join(text_of(k, page) for k in node)
            if isinstance(node, int):
                return per_page[page].get(node, "") if page is not None else ""
            if isinstance(node, pikepdf.Dictionary):
                pg = node.get("/Pg")
                here = page_index.get(pg.objgen, page) if pg is not None else page
                if node.get("/Type") == "/MCR":
                    return per_page[here].get(int(node.MCID), "") if here is not None else ""
                if node.get("/Type") == "/OBJR":
                    return ""
                kids = node.get("/K")
                return text_of(kids, here) if kids is not None else ""
            return ""

        catalog = str(pdf.Root.get("/Lang", ""))

        def visit(node, lang):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    visit(kid, lang)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                lang = str(node.Lang) if "/Lang" in node else lang
                out.append((str(node.S), " ".join(text_of(node).split()), lang))
                if "/K" in node:
                    visit(node.K, lang)

        visit(pdf.Root.StructTreeRoot.K, catalog)
    return out


def headings(path: Path) -> list[tuple[int, str]]:
    return [(int(tag[2]), text) for tag, text in element_texts(path) if tag in {f"/H{n}" for n in range(1, 7)}]


def page_texts(path: Path) -> list[str]:
    """The text of each page of a PDF (the product's tagged-text reader run on that page
    alone), whitespace squashed: for tests that ask what a given page shows."""
    import io

    from publisher.verify.text import pdf_text
    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            single = pikepdf.new()
            single.pages.append(page)
            buffer = io.BytesIO()
            single.save(buffer)
            out.append(" ".join(pdf_text(buffer.getvalue()).split()))
    return out
