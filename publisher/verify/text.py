"""The text a reader gets from an output, for the safety and readability checks.

Measured on the written bytes, not the source: PDF text with pdfminer.six, EPUB and
HTML text with lxml. Page furniture (PDF running footers) is left out.
"""
from __future__ import annotations

import io
import re
import zipfile

from lxml import etree
from lxml import html as lxml_html


def pdf_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    return extract_text(io.BytesIO(data), laparams=LAParams())


def epub_documents(data: bytes) -> list[tuple[str, etree._Element]]:
    """(name, parsed XHTML) of each spine document, in reading order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(z.read(opf_path))
        base = opf_path.rpartition("/")[0]
        items = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
        docs = []
        for ref in opf.iter("{*}itemref"):
            href = items[ref.get("idref")]
            path = f"{base}/{href}" if base else href
            docs.append((href, etree.fromstring(z.read(path))))
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
    return {"pdf": pdf_text, "epub": epub_text, "html": html_text}[fmt](data)


def words(text: str) -> list[str]:
    """Lowercase words and numbers only: for comparing text whatever the punctuation."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))
