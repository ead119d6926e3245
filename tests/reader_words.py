"""Every word a reader gets from a built file, for the tests that ask which language they are
in: the text, the words read aloud (alt text, aria-label, title) and the metadata a reading
system shows. Passages marked with another language (`lang`) are left out where the format
marks them, so a Spanish part is read without the English beside it."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pikepdf
from lxml import etree
from lxml import html as lxml_html

from publisher.verify.text import pdf_text

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_READ_ALOUD = ("alt", "aria-label", "title", "placeholder", "value")
_SKIP = {"style", "script"}
#: Addresses are read at a glance or followed, not read as words of a language.
#: (A PDF's text breaks a long address over lines: "https:// example.org/ handouts/x- y.html" is one.)
_ADDRESS = re.compile(r"https?://\s*(?:[\w.]|[/-]\s*)+"
                      r"|(?:https?://|www\.|mailto:|tel:)\S+|\b[\w.-]+\.(?:org|com|html|pdf|epub)\b[\w/.-]*"
                      r"|\b\w+(?:/[\w.-]+)+")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def markup_words(root, keep: str) -> list[str]:
    """The texts of an (X)HTML tree in language `keep` (primary subtag): element text, the
    attributes read aloud, and a meta description; subtrees marked with another language
    are left out."""
    out: list[str] = []

    def visit(element, lang: str) -> None:
        name = _local(element.tag)
        if not name or name in _SKIP:
            return
        lang = element.get("lang") or element.get(_XML_LANG) or lang
        if lang.split("-")[0].lower() == keep:
            out.extend(element.get(a) for a in _READ_ALOUD if element.get(a))
            if name == "meta" and element.get("name") == "description":
                out.append(element.get("content") or "")
            out.append(element.text or "")
        for child in element:
            visit(child, lang)
            if lang.split("-")[0].lower() == keep:
                out.append(child.tail or "")

    visit(root, root.get("lang") or root.get(_XML_LANG) or "")
    return out


def reader_text(path: Path, keep: str = "es") -> str:
    """All the words of `path` a reader of language `keep` gets, addresses left out."""
    path = Path(path)
    data = path.read_bytes()
    texts: list[str] = []
    if path.suffix == ".pdf":
        texts.append(pdf_text(data))
        with pikepdf.open(io.BytesIO(data)) as pdf:
            info = pdf.docinfo
            texts += [str(info.get(k, "")) for k in ("/Title", "/Subject", "/Keywords")]
            with pdf.open_metadata() as meta:
                texts += [str(v) for k, v in meta.items() if "title" in k or "description" in k]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary):
                    texts += [str(obj[k]) for k in ("/Alt", "/ActualText", "/E", "/TU") if k in obj]
    elif path.suffix == ".html":
        texts += markup_words(lxml_html.fromstring(data), keep)
    elif path.suffix == ".epub":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            package = etree.fromstring(book.read(next(n for n in book.namelist() if n.endswith(".opf"))))
            # the package metadata and the generated cover are in the book's main language
            if (package.get(_XML_LANG) or "").split("-")[0].lower() == keep:
                texts += list(package.itertext())
                texts += [t for n in book.namelist() if n.endswith(".svg") for t in etree.fromstring(book.read(n)).itertext()]
            for name in sorted(book.namelist()):
                if name.endswith(".xhtml"):
                    texts += markup_words(etree.fromstring(book.read(name)), keep)
    return _ADDRESS.sub(" ", " ".join(" ".join(texts).split()))


def english_words(text: str, vocabulary: set[str]) -> list[str]:
    """The words of `text` that are in `vocabulary` (lower case), each with a little context."""
    found = []
    for match in re.finditer(r"[^\W\d_]+", text):
        if match.group().lower() in vocabulary:
            found.append(f"{match.group()!r} in '…{text[max(0, match.start() - 40):match.end() + 40]}…'")
    return found
