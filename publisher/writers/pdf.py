"""RenderedEdition -> tagged PDF/UA-1 bytes, with WeasyPrint.

Render first, check the page budget on the in-memory render, then write. WeasyPrint may
read only files inside the topic folder and the layouts folder: any other URL (another
file, the network) stops the render with an error that names it. Its log records become
findings; an ERROR record fails the build.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from ..errors import ChecksFailed, OutputError
from ..findings import Severity, finding
from ..pdftree import save_with_reading_level
from . import WriteResult, embed_images
from .pagemap import page_starts
from .pdfua import PDF_VARIANT, write_pdf as write_pdfua  # noqa: F401 (PDF_VARIANT: the format fact)



class RefusedURL(FatalURLFetchingError):
    """A resource outside the allowed folders: rendering stops (WeasyPrint re-raises these)."""


class RestrictedFetcher(URLFetcher):
    """Serve file: URLs inside `roots` and data: URLs; refuse everything else."""

    def __init__(self, roots):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.roots = [Path(r).resolve() for r in roots]

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path == root or root in path.parents for root in self.roots) and path.is_file():
                return super().fetch(url, headers)
        raise RefusedURL(f"refused to read '{url}': outputs may use only files inside the topic folder and layouts/")


@contextmanager
def capture_logs():
    """Collect WeasyPrint's log records of WARNING and above while the block runs."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def render_document(rendered):
    """The laid-out WeasyPrint document (pages, anchors) and the log records."""
    doc = rendered.doc
    fetcher = RestrictedFetcher([doc.topic.folder, rendered.layouts_dir] +
                                ([rendered.clinic.source.parent] if rendered.clinic and rendered.clinic.source else []))
    with capture_logs() as records:
        try:
            font_config, styles, css_records = _stylesheets(rendered.stylesheets, fetcher)
            records.extend(css_records)
            html = weasyprint.HTML(string=embed_images(rendered.html, doc),
                                   base_url=str(doc.topic.folder.resolve()) + "/",
                                   url_fetcher=fetcher)
            document = html.render(stylesheets=styles, font_config=font_config)
        except RefusedURL as exc:
            raise _refused(exc) from None
    return document, records


# Parsed stylesheets (with their fonts) by their files and the folders they may read: every
# edition of a topic uses the same ones, and parsing them costs a third of a two-page render.
_STYLESHEETS: dict[tuple, tuple] = {}


def _stylesheets(paths, fetcher: RestrictedFetcher) -> tuple[FontConfiguration, list, tuple]:
    """(font configuration, parsed stylesheets, log records of the parse) for `paths`,
    parsed once per process while the files are unchanged; the records are handed to every
    document that uses them, so each output gets the same findings as if parsed for it."""
    key = (tuple((str(p), *_stamp(p)) for p in paths), tuple(fetcher.roots))
    cached = _STYLESHEETS.get(key)
    if cached is None:
        font_config = FontConfiguration()
        with capture_logs() as records:
            styles = [weasyprint.CSS(filename=str(p), url_fetcher=fetcher, font_config=font_config) for p in paths]
        if len(_STYLESHEETS) >= 16:  # a long batch over many topics: keep the memory flat
            _STYLESHEETS.clear()
        cached = _STYLESHEETS[key] = (font_config, styles, tuple(records))
    return cached


def _stamp(path) -> tuple[int, int]:
    stat = Path(path).stat()
    return stat.st_mtime_ns, stat.st_size


def _refused(exc: RefusedURL) -> ChecksFailed:
    return ChecksFailed([finding("c-015", str(exc), hint=(
        "Templates, stylesheets and content may use only files inside the topic folder and "
        "layouts/, and nothing from the network: fix the address in the template, CSS or SVG."))])


_NOTDEF = re.compile(r'^\.notdef glyph rendered for Unicode string unsupported by fonts: "(.*)" \((.*)\)$', re.S)


def _log_findings(records) -> list:
    return [_record_finding(r) for r in records]


def _record_finding(record: logging.LogRecord):
    """A WeasyPrint log record as a finding. A character no font has would print as an
    empty box: that is the editor's to fix, so it is an error that names the character."""
    message = record.getMessage()
    missing = _NOTDEF.match(message)
    if missing:
        return finding("c-022", f"'{missing[1]}' ({missing[2]}) cannot be printed: no font has it",
                       tool="weasyprint")
    return finding("p-013", f"WeasyPrint: {message}",
                   severity=Severity.ERROR if record.levelno >= logging.ERROR else Severity.WARNING,
                   tool="weasyprint")


def write(rendered, options=None) -> WriteResult:
    document, records = render_document(rendered)
    edition = rendered.doc.edition
    pages = len(document.pages)
    problems = _log_findings(records)
    if edition.max_pages and pages > edition.max_pages:
        problems.append(finding(
            "p-012", f"'{edition.id}' of topic '{rendered.doc.topic.id}' renders to {pages} pages; "
                     f"the edition's limit is {edition.max_pages} (max_pages in editions.yaml)"))
    if any(p.is_error for p in problems):
        raise ChecksFailed(problems)
    # A stable /ID: the same content gives the same bytes (PDF/UA wants an /ID; gap 9).
    identifier = hashlib.sha256(rendered.html.encode("utf-8")).hexdigest()[:32].encode()
    timestamp = (options or {}).get("timestamp")
    if timestamp is not None:  # /CreationDate, /ModDate and the XMP dates: the build's date, not now
        document.metadata.created = document.metadata.modified = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with capture_logs() as write_records:
            # pdfua repairs WeasyPrint's PDF/UA gaps (STANDARDS.md section 3) after writing.
            data = write_pdfua(document, identifier=identifier, **(options or {}).get("pdf_options", {}))
    except RefusedURL as exc:  # a <link rel="attachment"> is fetched only now
        raise _refused(exc) from None
    except OSError as exc:  # pragma: no cover - disk problems surface in output.py
        raise OutputError(str(exc)) from exc
    problems += _log_findings(write_records)
    if any(p.is_error for p in problems):
        raise ChecksFailed(problems)
    anchors = [sorted(page.anchors) for page in document.pages]
    # Where each page starts, for an EPUB that carries this PDF's page numbers (same layout).
    return WriteResult(data=data, pages=pages, findings=tuple(problems),
                       extra={"anchors": anchors,
                              "page_starts": page_starts(document) if rendered.block_ids else None})


def add_reading_level(data: bytes, level: str) -> bytes:
    """`data` with schema:educationalLevel (the measured reading level) in its XMP metadata
    (see `pdftree.save_with_reading_level`)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return save_with_reading_level(pdf, level)
