"""The text a reader gets from an output, for the safety and readability checks.

Measured on the written bytes, not the source: a PDF's blocks through its structure tree
(`pdfread.PdfFile`, read once for all the checks), EPUB and HTML with lxml. Page furniture
(PDF running footers) is left out. `pdf_text` is pdfminer.six's reading of a whole PDF
page by page, footers included: an independent reader, for the tests.
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
    lang: str = ""  # the language the document gives the block (BCP 47, e.g. "en", "es-MX"); "" if none


class BlockBuilder:
    """Collects text into blocks; text outside any block becomes a paragraph of its own."""

    def __init__(self):
        self._blocks: list[list] = []  # [kind, level, lang, [texts]]

    def open(self, kind: str, level: int, lang: str = "") -> int:
        """Start a block; returns its number, for `add`."""
        self._blocks.append([kind, level, lang, []])
        return len(self._blocks) - 1

    def add(self, block: int | None, text: str) -> None:
        if not text:
            return
        if block is None:
            block = self.open("para", 0)
        self._blocks[block][3].append(text)

    def blocks(self) -> list[Block]:
        out: list[Block] = []
        for kind, level, lang, texts in self._blocks:
            text = _join(texts)
            if not text:
                continue
            previous = out[-1] if out else None
            # A paragraph or list item that crosses a page break is written as two structure
            # elements (weasyprint gap 10): the second half starts in lower case.
            if (previous and previous.kind == kind and kind != "heading"
                    and not re.search(r"[.!?:;\"”’)\]]$", previous.text) and re.match(r"[a-z]", text)):
                out[-1] = Block(kind, _join([previous.text, text]), level, previous.lang)
                continue
            out.append(Block(kind, text, level, lang))
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


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _lang(element, inherited: str = "") -> str:
    return element.get("lang") or element.get(_XML_LANG) or inherited


def element_blocks(root) -> list[Block]:
    """The blocks of an (X)HTML element tree, in document order, each with the language
    its element has or inherits (`lang`, `xml:lang`)."""
    builder = BlockBuilder()

    def visit(element, block, lang):
        name = _local(element.tag)
        if name in _HTML_SKIP or "skip-link" in (element.get("class") or "").split():
            return
        lang = _lang(element, lang)
        if name in _HTML_BLOCKS:
            block = builder.open(*_HTML_BLOCKS[name], lang=lang)
        builder.add(block, element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                visit(child, block, lang)
            builder.add(block, child.tail or "")

    inherited = next((_lang(a) for a in root.iterancestors() if _lang(a)), "")
    visit(root, None, inherited)
    return builder.blocks()


def epub_blocks(data: bytes) -> list[Block]:
    return [b for _, doc in epub_documents(data) for b in element_blocks(doc.find("{*}body"))]


def html_blocks(data: bytes) -> list[Block]:
    return element_blocks(lxml_html.fromstring(data).find("body"))


def output_blocks(fmt: str, data: bytes) -> list[Block]:
    """`data`, a file of format `fmt`, as blocks (its `Format.blocks` extractor)."""
    from ..formats import get_format
    return get_format(fmt).load_blocks()(data)


class MarkupFile:
    """An EPUB or web page for the checks: its bytes and, read once when first asked, its
    blocks (the reader of those Format records; see `pdfread.PdfFile` for PDFs)."""

    def __init__(self, data: bytes, fmt):
        self.data = data
        self.format = fmt
        self._blocks: list[Block] | None = None

    def blocks(self) -> list[Block]:
        if self._blocks is None:
            self._blocks = self.format.load_blocks()(self.data)
        return list(self._blocks)

    def with_reading_level(self, level: str) -> bytes:
        """The bytes with the measured reading level in their metadata (same text)."""
        self.data = self.format.add_reading_level(self.data, level)
        return self.data

    def close(self) -> None:
        """Nothing to release (the PDF reader holds an open document)."""

    def __enter__(self) -> "MarkupFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
