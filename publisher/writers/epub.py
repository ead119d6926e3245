"""RenderedEdition -> EPUB 3 bytes, with ebooklib.

ebooklib writes the package (OPF, manifest, spine, NCX); the content documents are ours,
written exactly as rendered. Then the archive is repacked so that the same content gives
the same bytes: fixed dates, sorted entries, `mimetype` first and stored. Works around the
ebooklib 0.20 gaps listed in ../shared/STANDARDS.md section 4.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import uuid
import zipfile
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ebooklib import epub
from lxml import etree

from ..errors import OutputError
from . import IMAGE_TYPES, WriteResult

if TYPE_CHECKING:
    from ..render import RenderedEdition

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # reproducible archive timestamps


class _Document(epub.EpubHtml):
    """A content document written exactly as rendered (ebooklib would rebuild its head)."""

    def get_content(self, default=None):
        return self.content


def identifier(doc) -> str:
    """A stable identifier: the same topic, version and selection give the same id."""
    key = "|".join([doc.topic.id, doc.topic.version, doc.edition.id, doc.title,
                    ",".join(s.id for s in doc.all_sections())])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'clinic-handouts:' + key)}"


def cover_svg(title: str, subtitle: str, clinic: str) -> str:
    """A generated cover: the title, subtitle and clinic name as text on a plain ground."""
    lines = textwrap.wrap(title, 20)
    sub = textwrap.wrap(subtitle, 30)
    y = 250
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 800" width="600" height="800" '
           'role="img" aria-labelledby="cover-title">',
           f'<title id="cover-title">{escape(title)}</title>',
           '<rect width="600" height="800" fill="#0b5394"/>',
           '<rect x="40" y="40" width="520" height="720" fill="none" stroke="#ffffff" stroke-width="3"/>']
    for line in lines:
        out.append(f'<text x="300" y="{y}" text-anchor="middle" font-family="Atkinson Hyperlegible, sans-serif" '
                   f'font-size="44" font-weight="bold" fill="#ffffff">{escape(line)}</text>')
        y += 56
    y += 30
    for line in sub:
        out.append(f'<text x="300" y="{y}" text-anchor="middle" font-family="Atkinson Hyperlegible, sans-serif" '
                   f'font-size="28" fill="#ffffff">{escape(line)}</text>')
        y += 38
    out.append(f'<text x="300" y="700" text-anchor="middle" font-family="Atkinson Hyperlegible, sans-serif" '
               f'font-size="26" fill="#ffffff">{escape(clinic)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


#: What the build claims once EPUBCheck and Ace have passed the book (EPUB Accessibility 1.1,
#: section 4); `write(..., {"conforms": True})` writes it, and only the build decides that.
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
CERTIFIED_BY = "clinic-handouts automated checks (EPUBCheck 5.3.0, DAISY Ace 1.4.6)"
_XHTML = "{http://www.w3.org/1999/xhtml}"


def content_images(rendered) -> list[str | None]:
    """The alt text of every <img> in the book's content documents (None: no alt attribute;
    "": marked decorative). The generated cover counts: it is an image a reader sees."""
    alts = []
    for part in rendered.parts:
        root = etree.fromstring(part.html.encode("utf-8"))
        for img in root.iter(f"{_XHTML}img"):
            decorative = img.get("role") in ("presentation", "none")
            alts.append("" if decorative else img.get("alt"))
    return alts


def _has(rendered, xpath: str) -> bool:
    ns = {"x": _XHTML[1:-1], "epub": "http://www.idpf.org/2007/ops"}
    return any(etree.fromstring(p.html.encode("utf-8")).xpath(xpath, namespaces=ns) for p in rendered.parts)


def accessibility_metadata(rendered, *, page_list: bool, conforms: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 properties that are true of this book, derived from its content
    documents: nothing is claimed that the content does not show."""
    alts = content_images(rendered)
    informative = [a for a in alts if a != ""]  # decorative images carry no information
    described = bool(informative) and all(a and a.strip() for a in informative)
    meta = [("schema:accessMode", "textual")]
    if informative:
        meta.append(("schema:accessMode", "visual"))
    # Text alone is enough only when every informative image has a text alternative.
    meta.append(("schema:accessModeSufficient", "textual" if described or not informative else "textual,visual"))
    features = []
    if _has(rendered, "//x:h1|//x:h2|//x:h3|//x:h4|//x:h5|//x:h6"):
        features.append("structuralNavigation")
    if _has(rendered, "//x:nav[@epub:type='toc']"):
        features.append("tableOfContents")
    features += ["readingOrder", "displayTransformability"]  # one column, relative sizes, no fixed layout
    if described:
        features.append("alternativeText")
    if page_list:
        features += ["pageBreakMarkers", "pageNavigation"]
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta.append(("schema:accessibilityHazard", "none"))
    from .. import i18n
    lang = rendered.doc.topic.language
    meta.append(("schema:accessibilitySummary", _summary(features, informative=bool(informative), lang=lang,
                                                         _=i18n.gettext_for(rendered.layouts_dir, lang))))
    if conforms:
        meta.append(("dcterms:conformsTo", CONFORMS_TO))
        meta.append(("a11y:certifiedBy", CERTIFIED_BY))
    return meta


def _summary(features: list[str], *, informative: bool, lang: str = "en", _=lambda text: text) -> str:
    """The accessibility summary in the book's language (`_`: its gettext, see publisher/i18n.py)."""
    from .. import i18n
    has = []
    if "tableOfContents" in features:
        has.append(_("a table of contents"))
    if "structuralNavigation" in features:
        has.append(_("headings in order"))
    if "alternativeText" in features:
        has.append(_("a text description of every image"))
    if "pageNavigation" in features:
        has.append(_("page numbers that match the printed booklet"))
    text = (_("This booklet has %(features)s.") % {"features": i18n.list_words(has, lang)} + " ") if has else ""
    if "alternativeText" in features or not informative:
        text += _("All content can be read as text.")
    else:
        text += _("Some images have no text description.")
    return text.strip()


def write(rendered: "RenderedEdition", options: dict | None = None) -> WriteResult:
    """The EPUB 3 bytes of a rendered edition, reproducible. `options`: "timestamp"
    (dcterms:modified), "conforms" (claim EPUB Accessibility 1.1: only once the validators
    passed the book), "page_source"/"page_list" (page-break metadata). Raises OutputError."""
    options = options or {}
    doc = rendered.doc
    topic = doc.topic
    # dcterms:modified: the build's date (SOURCE_DATE_EPOCH or the review date), never now.
    modified = options.get("timestamp") or dt.datetime.combine(topic.reviewed, dt.time(0, 0))
    book = epub.EpubBook()
    book.set_identifier(identifier(doc))
    book.set_title(doc.title)
    book.set_language(topic.language)  # the main language first (the package's xml:lang)
    if doc.parallel is not None:  # a bilingual book: its second language is a language of the book too
        book.add_metadata("DC", "language", doc.parallel.topic.language)
    from ..translations import is_rtl
    if is_rtl(topic.language):  # the spine's page-progression-direction (our documents carry dir themselves)
        book.set_direction("rtl")
    book.add_author(topic.publisher)
    book.add_metadata("DC", "publisher", topic.publisher)
    book.add_metadata("DC", "date", topic.reviewed.isoformat())
    if topic.summary:
        book.add_metadata("DC", "description", topic.summary)
    # Page-break metadata only when the content really has markers (render put them in).
    page_source = options.get("page_source") or getattr(rendered, "page_source", "")
    page_list = bool(options.get("page_list", bool(page_source)))
    for prop, value in accessibility_metadata(rendered, page_list=page_list,
                                              conforms=bool(options.get("conforms"))):
        book.add_metadata(None, "meta", value, {"property": prop})
    if page_list and page_source:
        book.add_metadata(None, "meta", page_source, {"property": "pageBreakSource"})

    css = epub.EpubItem(uid="css", file_name=rendered.css_name, media_type="text/css",
                        content=rendered.css.encode("utf-8"))
    book.add_item(css)
    custom = doc.title != topic.full_title  # a custom summary's cover shows what it contains
    cover = epub.EpubItem(uid="cover-image", file_name="images/cover.svg", media_type="image/svg+xml",
                          content=cover_svg(doc.title if custom else topic.title, "" if custom else topic.subtitle,
                                            rendered.clinic.name).encode("utf-8"))
    cover.properties = ["cover-image"]
    book.add_item(cover)
    for index, (name, data, media_type) in enumerate(rendered.images):  # the clinic logo
        book.add_item(epub.EpubItem(uid=f"asset{index}", file_name=name, media_type=media_type, content=data))
    # The bytes `read` took (and checked) from inside the topic folder; nothing is reopened here.
    images = {i.path: i.data for s in doc.all_sections() for i in s.body.images}
    for index, image in enumerate(sorted(images)):
        book.add_item(epub.EpubItem(uid=f"img{index}", file_name=str(image),
                                    media_type=_image_type(str(image)), content=images[image]))

    documents = []
    for index, part in enumerate(rendered.parts):
        item = _Document(uid=f"d{index:02d}-{part.kind}", file_name=part.name, title=part.title,
                         lang=topic.language, content=part.html.encode("utf-8"))
        if part.kind == "nav":
            item.properties = ["nav"]
        book.add_item(item)
        documents.append(item)
    book.toc = [epub.Link(e["href"], e["title"], f"toc{i}") for i, e in enumerate(
        e for p in rendered.parts for e in p.toc)]
    book.add_item(epub.EpubNcx())
    book.spine = documents

    buffer = io.BytesIO()
    try:
        epub.write_epub(buffer, book, {"mtime": modified, "raise_exceptions": True, "epub3_pages": False})
    except OSError as exc:  # pragma: no cover
        raise OutputError(f"cannot write the EPUB: {exc}") from exc
    return WriteResult(data=_repack(buffer.getvalue(), topic.language))


def _image_type(name: str) -> str:
    return IMAGE_TYPES["." + name.rsplit(".", 1)[-1].lower()]


def add_reading_level(data: bytes, level: str) -> bytes:
    """Add the measured reading level to the package metadata as schema:educationalLevel
    (the schema: prefix is reserved in EPUB 3, so no prefix declaration is needed)."""
    meta = f'<meta property="schema:educationalLevel">{escape(level)}</meta>'.encode("utf-8")
    return _rezip(data, lambda content: content.replace(b"</metadata>", meta + b"</metadata>", 1))


def _repack(data: bytes, language: str) -> bytes:
    """Sorted entries, mimetype first and stored, fixed dates; xml:lang on <package>."""
    return _rezip(data, lambda content: _patch_opf(content, language))


def _rezip(data: bytes, patch_opf) -> bytes:
    """The archive again, reproducibly, with `patch_opf` applied to the package document."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n))
        for name in names:
            content = source.read(name)
            if name.endswith(".opf"):
                content = patch_opf(content)
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content, compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()


def _patch_opf(content: bytes, language: str) -> bytes:
    text = content.decode("utf-8")
    # ebooklib puts no xml:lang on <package> (Ace: epub-lang).
    text = re.sub(r"<package\b(?![^>]*xml:lang)", f'<package xml:lang="{language}"', text, count=1)
    return text.encode("utf-8")
