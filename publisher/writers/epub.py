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
from xml.sax.saxutils import escape

from ebooklib import epub

from ..errors import OutputError
from . import WriteResult

EXTENSION = ".epub"
MEDIA_TYPE = "application/epub+zip"
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


def accessibility_metadata(rendered, *, page_list: bool, conforms: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 properties that are true of this book, derived from its content."""
    images = [img for s in rendered.doc.all_sections() for img in s.body.images]
    has_images = True  # the generated cover is an informative image with alt text
    all_alt = all(img.alt for img in images)
    tables = any("<table" in p.html for p in rendered.parts)
    meta = [("schema:accessMode", "textual")]
    if has_images:
        meta.append(("schema:accessMode", "visual"))
    meta.append(("schema:accessModeSufficient", "textual"))
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if has_images and all_alt:
        features.append("alternativeText")
    if tables:
        features.append("table")
    if page_list:
        features += ["pageBreakMarkers", "pageNavigation"]
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta.append(("schema:accessibilityHazard", "none"))
    summary = ("This booklet has a table of contents, headings in order, lists and "
               "descriptions for every image. All content can be read as text.")
    meta.append(("schema:accessibilitySummary", summary))
    if conforms:
        meta.append(("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"))
        meta.append(("a11y:certifiedBy", "clinic-handouts automated checks (EPUBCheck, DAISY Ace)"))
    return meta


def write(rendered, options=None) -> WriteResult:
    options = options or {}
    doc = rendered.doc
    topic = doc.topic
    # dcterms:modified: the build's date (SOURCE_DATE_EPOCH or the review date), never now.
    modified = options.get("timestamp") or dt.datetime.combine(topic.reviewed, dt.time(0, 0))
    book = epub.EpubBook()
    book.set_identifier(identifier(doc))
    book.set_title(doc.title)
    book.set_language(topic.language)
    book.add_author(topic.publisher)
    book.add_metadata("DC", "publisher", topic.publisher)
    book.add_metadata("DC", "date", topic.reviewed.isoformat())
    if topic.summary:
        book.add_metadata("DC", "description", topic.summary)
    page_list = bool(options.get("page_list"))
    for prop, value in accessibility_metadata(rendered, page_list=page_list,
                                              conforms=bool(options.get("conforms"))):
        book.add_metadata(None, "meta", value, {"property": prop})
    if page_list and options.get("page_source"):
        book.add_metadata(None, "meta", options["page_source"], {"property": "schema:pageBreakSource"})

    css = epub.EpubItem(uid="css", file_name="styles/epub.css", media_type="text/css",
                        content=rendered.css.encode("utf-8"))
    book.add_item(css)
    cover = epub.EpubItem(uid="cover-image", file_name="images/cover.svg", media_type="image/svg+xml",
                          content=cover_svg(topic.title, topic.subtitle, rendered.clinic.name).encode("utf-8"))
    cover.properties = ["cover-image"]
    book.add_item(cover)
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
    return {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "svg": "image/svg+xml",
            "gif": "image/gif", "webp": "image/webp"}[name.rsplit(".", 1)[-1].lower()]


def _repack(data: bytes, language: str) -> bytes:
    """Sorted entries, mimetype first and stored, fixed dates; xml:lang on <package>."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n))
        for name in names:
            content = source.read(name)
            if name.endswith(".opf"):
                content = _patch_opf(content, language)
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
