"""The text a reader gets from an output, for the safety and readability checks.

Measured on the written bytes, not the source: PDF text with pdfminer.six, EPUB and
HTML text with lxml. Page furniture (PDF running footers) is left out.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    return extract_text(io.BytesIO(data), laparams=LAParams())


def epub_documents(data: bytes) -> list[tuple[str, etree._Element]]:
    """(name, parsed XHTML) of each spine document, in reading order."""
    from ..archive import open_archive
    with open_archive(data) as z:  # bounded: `publish check` reads EPUBs from anywhere
        container = z.xml("META-INF/container.xml")
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = z.xml(opf_path)
        base = opf_path.rpartition("/")[0]
        items = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
        docs = []
        for ref in opf.iter("{*}itemref"):
            href = items[ref.get("idref")]
            path = f"{base}/{href}" if base else href
            docs.append((href, z.xml(path)))
    return docs


def element_text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def epub_text(data: bytes) -> str:
    return " ".join(element_text(doc.find("{*}body")) for _, doc in epub_documents(data))


def html_text(data: bytes) -> str:
    root = lxml_html.fromstring(data)
    for bad in root.xpath("//style|//script"):
        bad.drop_tree()
    return element_text(root.find("body"))


def output_text(fmt: str, data: bytes) -> str:
    """The text a reader gets from `data`, a file of format `fmt` (its `Format.text` extractor)."""
    from ..formats import get_format
    return get_format(fmt).load_text()(data)


def words(text: str) -> list[str]:
    """Lowercase words and numbers only: for comparing text whatever the punctuation."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


# -- blocks: the rendered text as headings, paragraphs and list items, in reading order --------
# The readability check needs more than a flat string: each heading and list item is its own
# sentence (a bullet has no full stop), and sections are found by their headings.

@dataclass(frozen=True)
class Block:
    """One block of rendered text: a heading (with its level), a paragraph or a list item."""

    kind: str  # "heading" | "para" | "item" | "cell"
    text: str
    level: int = 0  # heading level, 1-6; 0 for other blocks


_PDF_BLOCKS = {**{f"/H{n}": ("heading", n) for n in range(1, 7)}, "/P": ("para", 0),
               "/LI": ("item", 0), "/LBody": ("item", 0), "/TH": ("cell", 0), "/TD": ("cell", 0),
               "/Caption": ("para", 0), "/BlockQuote": ("para", 0), "/Note": ("para", 0)}
# Not words a reader reads as part of the text: list bullets and anything marked as furniture.
_PDF_SKIP = {"/Lbl", "/Artifact"}


def pdf_blocks(data: bytes) -> list[Block]:
    """The blocks of a tagged PDF, read through its structure tree.

    Why the structure tree: it is what assistive technology reads, it gives headings with
    their levels and list items as units, and it leaves out page furniture on its own —
    running footers and page numbers are artifacts or belong to no structure element, so
    their text is never reached. The text itself comes from the page content streams
    (pdfminer.six decodes the fonts), keyed by marked-content id.
    """
    import pikepdf
    texts = _marked_texts(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return []
        # Custom structure types map to standard ones through the RoleMap.
        roles = {str(k): str(v) for k, v in root.get("/RoleMap", {}).items()}
        builder = _BlockBuilder()
        seen: set = set()

        def visit(node, page, block):
            if isinstance(node, pikepdf.Array):
                for item in node:
                    visit(item, page, block)
                return
            if isinstance(node, int):  # a marked-content id on the current page
                builder.add(block, texts.get((page, node), ""))
                return
            if not isinstance(node, pikepdf.Dictionary):
                return
            if node.objgen != (0, 0):
                if node.objgen in seen:
                    return
                seen.add(node.objgen)
            if "/Pg" in node:
                page = page_index.get(node.Pg.objgen, page)
            kind = node.get("/Type")
            if kind == "/MCR":
                builder.add(block, texts.get((page, int(node.MCID)), ""))
                return
            if kind == "/OBJR":
                return
            tag = str(node.get("/S", ""))
            tag = roles.get(tag, tag)
            if tag in _PDF_SKIP:
                return
            if tag in _PDF_BLOCKS:
                block = builder.open(*_PDF_BLOCKS[tag])
            if "/K" in node:
                visit(node.K, page, block)

        visit(root.get("/K"), None, None)
    return builder.blocks()


def _marked_texts(data: bytes) -> dict[tuple[int, int], str]:
    """{(page index, MCID): text} for every marked-content sequence with an MCID."""
    from pdfminer.pdfdevice import PDFDevice
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Device(PDFDevice):
        def __init__(self, rsrcmgr):
            super().__init__(rsrcmgr)
            self.page = -1
            self.stack: list[int | None] = []
            self.texts: dict[tuple[int, int], list[str]] = {}

        def begin_page(self, page, ctm):
            self.page += 1
            self.stack = []

        def begin_tag(self, tag, props=None):
            mcid = props.get("MCID") if isinstance(props, dict) else None
            if getattr(tag, "name", "") == "Artifact":
                mcid = None
            elif mcid is None and self.stack:
                mcid = self.stack[-1]
            self.stack.append(mcid)

        def end_tag(self):
            if self.stack:
                self.stack.pop()

        def render_string(self, textstate, seq, ncs, graphicstate):
            mcid = self.stack[-1] if self.stack else None
            if mcid is None:
                return
            font = textstate.font
            chars = []
            for obj in seq:
                if isinstance(obj, str):
                    obj = obj.encode("latin-1")
                if not isinstance(obj, bytes):
                    continue
                for cid in font.decode(obj):
                    try:
                        chars.append(font.to_unichr(cid))
                    except Exception:  # noqa: BLE001 - a glyph without Unicode carries no word
                        pass
            self.texts.setdefault((self.page, int(mcid)), []).append("".join(chars))

    manager = PDFResourceManager()
    device = Device(manager)
    interpreter = PDFPageInterpreter(manager, device)
    for page in PDFPage.get_pages(io.BytesIO(data)):
        interpreter.process_page(page)
    return {key: "".join(parts) for key, parts in device.texts.items()}


class _BlockBuilder:
    """Collects text into blocks; text outside any block becomes a paragraph of its own."""

    def __init__(self):
        self._blocks: list[list] = []  # [kind, level, [texts]]

    def open(self, kind: str, level: int) -> int:
        self._blocks.append([kind, level, []])
        return len(self._blocks) - 1

    def add(self, block: int | None, text: str) -> None:
        if not text:
            return
        if block is None:
            block = self.open("para", 0)
        self._blocks[block][2].append(text)

    def blocks(self) -> list[Block]:
        out: list[Block] = []
        for kind, level, texts in self._blocks:
            text = _join(texts)
            if not text:
                continue
            previous = out[-1] if out else None
            # A paragraph or list item that crosses a page break is written as two structure
            # elements (weasyprint gap 10): the second half starts in lower case.
            if (previous and previous.kind == kind and kind != "heading"
                    and not re.search(r"[.!?:;\"”’)\]]$", previous.text) and re.match(r"[a-z]", text)):
                out[-1] = Block(kind, _join([previous.text, text]), level)
                continue
            out.append(Block(kind, text, level))
        return out


def _join(texts: list[str]) -> str:
    """Pieces of one block (lines, text runs) joined with spaces; a line that ends in a hyphen
    ("amygdala-" / "prefrontal") continues the same word."""
    text = ""
    for piece in texts:
        piece = piece.strip()
        if not piece:
            continue
        text = text + piece if re.search(r"\w-$", text) or not text else f"{text} {piece}"
    return re.sub(r"\s+", " ", text).strip()


_HTML_BLOCKS = {**{f"h{n}": ("heading", n) for n in range(1, 7)}, "p": ("para", 0), "li": ("item", 0),
                "dt": ("item", 0), "dd": ("item", 0), "th": ("cell", 0), "td": ("cell", 0),
                "caption": ("para", 0), "figcaption": ("para", 0)}
# Page furniture of the screen and e-book layouts: navigation, site header and footer.
_HTML_SKIP = {"script", "style", "nav", "header", "footer", "head"}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def element_blocks(root) -> list[Block]:
    """The blocks of an (X)HTML element tree, in document order."""
    builder = _BlockBuilder()

    def visit(element, block):
        name = _local(element.tag)
        if name in _HTML_SKIP or "skip-link" in (element.get("class") or "").split():
            return
        if name in _HTML_BLOCKS:
            block = builder.open(*_HTML_BLOCKS[name])
        builder.add(block, element.text or "")
        for child in element:
            visit(child, block)
            builder.add(block, child.tail or "")

    visit(root, None)
    return builder.blocks()


def epub_blocks(data: bytes) -> list[Block]:
    return [b for _, doc in epub_documents(data) for b in element_blocks(doc.find("{*}body"))]


def html_blocks(data: bytes) -> list[Block]:
    return element_blocks(lxml_html.fromstring(data).find("body"))


def output_blocks(fmt: str, data: bytes) -> list[Block]:
    """`data`, a file of format `fmt`, as blocks (its `Format.blocks` extractor)."""
    from ..formats import get_format
    return get_format(fmt).load_blocks()(data)
