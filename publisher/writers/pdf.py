"""RenderedEdition -> tagged PDF/UA-1 bytes, with WeasyPrint.

Render first, check the page budget on the in-memory render, then write. WeasyPrint may
read only the exact files a document needs (its stylesheets and their fonts; pictures are
in the HTML as data: URLs): any other URL (another file, a folder, the network) stops the
render with an error that names it. Its log records become
findings; an ERROR record fails the build.
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import mimetypes
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pikepdf
import weasyprint
from weasyprint.formatting_structure import boxes as wboxes
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import ChecksFailed, OutputError
from ..findings import Severity, finding, shown_path
from ..model import PageStart, SourceRef
from ..pagenumbers.starts import page_starts
from ..pdftree import save_with_reading_level
from ..verify.layout import check_layout
from . import WriteResult, embed_images
from . import columnfix  # noqa: F401 (WeasyPrint 70: a flow keeps the columns it filled)
from .pdfua import PDF_VARIANT, written_pdf  # noqa: F401 (PDF_VARIANT: the format fact)

if TYPE_CHECKING:
    from ..render import RenderedEdition


class RefusedURL(FatalURLFetchingError):
    """A resource outside the allowed folders: rendering stops (WeasyPrint re-raises these)."""


class RestrictedFetcher(URLFetcher):
    """Serve data: URLs and exactly the files in `files` (file: URLs); refuse everything else,
    folders included: a document may read its stylesheets and their fonts, nothing beside them."""

    def __init__(self, files):
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.files = frozenset(Path(f).resolve() for f in files)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and not parts.query:
            # Percent-escapes are bytes: a folder name need not be UTF-8 (Linux names are bytes).
            path = Path(os.fsdecode(unquote_to_bytes(parts.path))).resolve()
            if path in self.files:
                return URLFetcherResponse(url, body=path.read_bytes(),
                                          headers={"Content-Type": mimetypes.guess_type(path.name)[0] or ""})
        limit = 40 if parts.scheme == "data" else 300  # a path in full; never kilobytes of base64
        shown = url if len(url) <= limit else url[:limit - 1] + "…"
        raise RefusedURL(f"refused to read '{shown}': an output may use only its stylesheets and fonts "
                         "in layouts/ and the pictures the content names")


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def needed_files(stylesheets) -> set[Path]:
    """The files a document may read: its stylesheets and the files they name (fonts)."""
    files = set()
    for sheet in map(Path, stylesheets):
        files.add(sheet.resolve())
        text = sheet.read_text(encoding="utf-8") if sheet.is_file() else ""
        for match in _CSS_URL.finditer(text):
            target = match.group(2).strip()
            if not urlsplit(target).scheme and not target.startswith("#"):
                files.add((sheet.parent / unquote(target)).resolve())
    return files


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


def render_document(rendered: "RenderedEdition") -> tuple[weasyprint.Document, list[logging.LogRecord]]:
    """The laid-out WeasyPrint document (pages, anchors) and the log records."""
    doc = rendered.doc
    # Pictures (content and logo) are in the HTML as data: URLs, checked when they were read.
    fetcher = RestrictedFetcher(needed_files(rendered.stylesheets))
    with capture_logs() as records:
        try:
            sheets, (font_config, styles, css_records) = _stylesheets(rendered.stylesheets, fetcher)
            records.extend(css_records)

            def html_document(text: str) -> weasyprint.HTML:
                return weasyprint.HTML(string=embed_images(text, doc), url_fetcher=fetcher,
                                       base_url=doc.topic.folder.resolve().as_uri() + "/")
            # presentational_hints: the HTML attributes that mean layout, such as <ol start="3">
            # and <li value>, count as they do in a browser (without it every list starts at 1).
            # The safety block (heading, lead-in, signs, crisis box) is kept whole on a page
            # (print.css); one taller than a page cannot be: it is laid out as a block that may
            # break inside its signs list (`.safety-tall`), so it starts where the text before it
            # ends and its lead-in stays with the first signs. Which one it is shows only in a
            # layout: a block found split is laid out again, and remembered (_TALL_SAFETY_BLOCKS).
            tall_key = _safety_key(rendered, sheets) if SAFETY_SECTION in rendered.html else None
            tall = tall_key in _TALL_SAFETY_BLOCKS
            # A separator (" · " between the parts of the title block's lines) never ends or
            # starts a line: where the layout puts one there, it becomes a line break and the
            # document is laid out again, with the tall safety block's layout if it needs it
            # (one more layout for both). The breaks are remembered like tall blocks.
            html = number_separators(rendered.html)
            breaks_key = hashlib.sha256(f"{sheets!r}\0{html}".encode("utf-8")).hexdigest()
            breaks = set(_SEPARATOR_BREAKS.get(breaks_key, ()))
            html = break_at_separators(html, breaks)

            def lay_out_html(text: str, tall: bool) -> weasyprint.Document:
                return html_document(mark_safety_tall(text) if tall else text).render(
                    stylesheets=styles, font_config=font_config, presentational_hints=True)

            document = lay_out_html(html, tall)
            for _ in range(SEPARATOR_PASSES):
                needs_tall = tall_key is not None and not tall and safety_block_split(document)
                dangling = dangling_separators(document)
                if not needs_tall and not dangling:
                    break
                breaks |= dangling
                html = break_at_separators(html, dangling)
                tall = tall or needs_tall
                document = lay_out_html(html, tall)
                if needs_tall and safety_block_taller_than_a_page(document):  # split wherever it stands
                    _remember_tall(tall_key)
            if breaks:
                _remember(_SEPARATOR_BREAKS, breaks_key, frozenset(breaks))
        except RefusedURL as exc:
            raise _refused(exc) from None
    return document, records


#: Safety blocks found taller than a whole page in this process, by `_safety_key`: an output
#: that shows the same block on the same pages is laid out once, in the tall form, instead of
#: twice (a batch of custom summaries shares its safety section; so do the previews of
#: `publish serve`). The key holds everything the block's height and the page's depend on
#: (not the text before the block: a block taller than a page is split wherever it starts),
#: so a remembered block is one that would be found split again.
_TALL_SAFETY_BLOCKS: dict[str, None] = {}
_SECTION_TAG = re.compile(r"<(/?)section\b[^>]*>")
_ROOT_TAGS = re.compile(r"<(?:html|body)\b[^>]*>")


def _safety_key(rendered: "RenderedEdition", sheets: tuple) -> str:
    """SHA-256 over the stylesheets (files and dates), the edition, layout and paper, the
    <html> and <body> tags, and the HTML of every safety section of `rendered`."""
    html, doc = rendered.html, rendered.doc
    parts = [repr(sheets), doc.edition.id, doc.edition.layout, str(doc.paper), *_ROOT_TAGS.findall(html)]
    start = html.find(SAFETY_SECTION)
    while start != -1:
        begin, depth = html.rfind("<section", 0, start), 0
        for match in _SECTION_TAG.finditer(html, begin):
            depth += -1 if match[1] else 1
            if depth == 0:
                parts.append(html[begin:match.end()])
                break
        start = html.find(SAFETY_SECTION, start + 1)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _remember_tall(key: str) -> None:
    _remember(_TALL_SAFETY_BLOCKS, key, None)


def _remember(memory: dict, key: str, value) -> None:
    if len(memory) >= 256:  # a long batch over many topics: keep the memory flat
        memory.clear()
    memory[key] = value


#: The separators of a document (its numbered HTML and stylesheets, SHA-256) that became line
#: breaks in this process: the same document is laid out once with them.
_SEPARATOR_BREAKS: dict[str, frozenset] = {}


SAFETY_SECTION = 'class="seek-help"'

#: How many times a document is laid out again for separators left at a line's end or start
#: (each pass turns those into line breaks; the lines after them may move).
SEPARATOR_PASSES = 3
_SEPARATOR = re.compile(r'<span class="sep">( · )</span>')
_NUMBERED_SEPARATOR = re.compile(r'<span class="sep" data-sep="(\d+)"> · </span>')


def number_separators(html: str) -> str:
    """`html` with each separator (`<span class="sep"> · </span>`, the partials' " · "
    between the parts of a line) numbered: `data-sep="N"`."""
    count = iter(range(1 << 30))
    return _SEPARATOR.sub(lambda m: f'<span class="sep" data-sep="{next(count)}">{m[1]}</span>', html)


def break_at_separators(html: str, numbers: set[str]) -> str:
    """`html` with the numbered separators of `numbers` turned into line breaks."""
    return _NUMBERED_SEPARATOR.sub(lambda m: '<br class="sep-break"/>' if m[1] in numbers else m[0], html)


def dangling_separators(document: weasyprint.Document) -> set[str]:
    """The numbers of the separators that the layout put first or last on a line."""
    found: set[str] = set()

    def items(box):
        """The visible parts of a line in order: text, and inline blocks as one part each."""
        for child in getattr(box, "children", ()):
            if isinstance(child, wboxes.TextBox):
                if child.text.strip():
                    yield child
            elif isinstance(child, (wboxes.InlineBlockBox, wboxes.InlineReplacedBox)):
                yield child
            elif isinstance(child, wboxes.InlineBox):
                yield from items(child)

    def walk(box) -> None:
        if isinstance(box, wboxes.TextBox):  # a leaf: most boxes are
            return
        if isinstance(box, wboxes.LineBox):
            parts = list(items(box))
            for part in (parts[:1] + parts[-1:]) if parts else ():
                element = part.element
                if isinstance(part, wboxes.TextBox) and element is not None and element.get("data-sep"):
                    found.add(element.get("data-sep"))
        if not isinstance(box, wboxes.MarginBox):
            for child in getattr(box, "children", ()):
                walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def mark_safety_tall(html: str) -> str:
    """`html` with every safety section marked `safety-tall` (print.css lets it break)."""
    return html.replace(SAFETY_SECTION, 'class="seek-help safety-tall"')


def safety_block_split(document: weasyprint.Document) -> bool:
    """Whether a safety section's heading and safety block lie on more than one page of
    `document` (only a block taller than a page is split when print.css keeps it whole)."""
    pages_of: dict[int, set[int]] = {}

    def walk(box, index: int, section) -> None:
        if isinstance(box, wboxes.LineBox):  # sections, safety blocks and headings are blocks: none is in a line
            return
        element = getattr(box, "element", None)
        classes = set((element.get("class") or "").split()) if element is not None else set()
        if "seek-help" in classes:
            section = element
        elif section is not None and element is not None and (
                "safety-block" in classes or (element.tag in {"h2", "h3", "h4"} and box.element_tag == element.tag
                                               and section_child(section, element))):
            pages_of.setdefault(id(section), set()).add(index)
            return
        for child in getattr(box, "children", ()):
            walk(child, index, section)

    for index, page in enumerate(document.pages):
        walk(page._page_box, index, None)
    return any(len(pages) > 1 for pages in pages_of.values())


def safety_block_taller_than_a_page(document: weasyprint.Document) -> bool:
    """Whether a safety section of `document`, its pieces on every page added up, is taller
    than the text area of the tallest page: then it cannot be kept whole on any page or
    column, wherever it starts."""
    heights: dict[int, float] = {}
    tallest = max((page._page_box.height for page in document.pages), default=0)

    def walk(box) -> None:
        if isinstance(box, wboxes.LineBox):  # a section is a block: never inside a line
            return
        element = getattr(box, "element", None)
        if element is not None and box.element_tag == "section" and "seek-help" in (element.get("class") or "").split():
            heights[id(element)] = heights.get(id(element), 0) + box.margin_height()
            return
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return any(height > tallest for height in heights.values())


def section_child(section, element) -> bool:
    """Whether `element` is a direct child of `section` (ElementTree has no parent links)."""
    return any(child is element for child in section)


# Parsed stylesheets (with their fonts) by their files and the files they may read: every
# PDF edition uses the same ones, and parsing them costs a third of a two-page render.
_STYLESHEETS: dict[tuple, tuple] = {}


def _stylesheets(paths, fetcher: RestrictedFetcher) -> tuple[tuple, tuple[FontConfiguration, list, tuple]]:
    """(their key: `_stylesheets_key`, (font configuration, parsed stylesheets, log records of
    the parse)) for `paths`, parsed once per process while the files are unchanged; the
    records are handed to every document that uses them, so each output gets the same
    findings as if parsed for it."""
    key = _stylesheets_key(paths, fetcher)
    cached = _STYLESHEETS.get(key)
    if cached is None:
        font_config = FontConfiguration()
        with capture_logs() as records:
            # file: URIs made from the bytes of the names (Path.as_uri), so any folder name works.
            styles = [weasyprint.CSS(string=Path(p).read_text(encoding="utf-8"), base_url=Path(p).resolve().as_uri(),
                                     url_fetcher=fetcher, font_config=font_config) for p in paths]
        if len(_STYLESHEETS) >= 16:  # a long batch over many topics: keep the memory flat
            _STYLESHEETS.clear()
        cached = _STYLESHEETS[key] = (font_config, styles, tuple(records))
    return key, cached


def _stylesheets_key(paths, fetcher: RestrictedFetcher) -> tuple:
    """The stylesheets and the files they may read, with their dates and sizes."""
    return tuple((str(p), *_stamp(p)) for p in [*paths, *sorted(fetcher.files)] if Path(p).is_file())


def _stamp(path) -> tuple[int, int]:
    stat = Path(path).stat()
    return stat.st_mtime_ns, stat.st_size


def _refused(exc: RefusedURL) -> ChecksFailed:
    return ChecksFailed([finding("c-015", str(exc), hint=(
        "Templates and stylesheets may use only the stylesheets and fonts in layouts/, and "
        "nothing from the network: fix the address in the template or CSS."))])


_NOTDEF = re.compile(r'^\.notdef glyph rendered for Unicode string unsupported by fonts: "(.*)" \((.*)\)$', re.S)


def _log_findings(records, rendered=None) -> list:
    pictures = picture_sources(rendered) if rendered is not None else {}
    return [_record_finding(r, pictures) for r in records]


def picture_sources(rendered) -> dict[str, tuple[str, SourceRef | None]]:
    """The pictures a document shows, by the start of their base64 (as WeasyPrint names them
    in its messages): what each is ("image 'images/x.png'", "the clinic logo") and where it
    comes from (the section file, the clinic profile)."""
    found: dict[str, tuple[str, SourceRef | None]] = {}
    for section in rendered.doc.all_sections():
        for image in section.body.images:
            where = SourceRef(section.body.source.file) if section.body.source else None  # the file; its line is not kept
            found.setdefault(base64.b64encode(image.data[:48]).decode("ascii"), (f"image '{image.path}'", where))
    clinic = rendered.clinic
    if clinic is not None and clinic.logo_data:
        where = SourceRef(shown_path(clinic.source)) if clinic.source else None
        found.setdefault(base64.b64encode(clinic.logo_data[:48]).decode("ascii"), (f"the logo '{clinic.logo.name}'", where))
    return found


_PICTURE_FAILED = re.compile(r"^Failed to (?:load|render SVG) image (?:at )?'?data:[^;,]*;base64,([A-Za-z0-9+/=]+)"
                             r"[^']*'?:?\s*(?P<reason>.*)$", re.S)


def _record_finding(record: logging.LogRecord, pictures=None):
    """A WeasyPrint log record as a finding. A character no font has would print as an
    empty box: that is the editor's to fix, so it is an error that names the character. A
    picture the renderer could not draw is named with the file that shows it, not as a
    template problem."""
    message = record.getMessage()
    missing = _NOTDEF.match(message)
    if missing:
        return finding("c-022", f"'{missing[1]}' ({missing[2]}) cannot be printed: no font has it",
                       tool="weasyprint")
    failed = _PICTURE_FAILED.match(message)
    if failed and failed[1][:64] in (pictures or {}):
        what, where = pictures[failed[1][:64]]
        reason = " ".join(failed["reason"].split()).rstrip(". ") or "the renderer gave no reason"
        return finding("c-006", f"{what} could not be drawn in the PDF: {reason[:120]}", source=where,
                       tool="weasyprint", hint="Open the picture in an image editor and save it again "
                                               "(as PNG, or as plain SVG).")
    message = _DATA_URL.sub(lambda m: m[0][:40] + "…", message)  # a short excerpt, not kilobytes of base64
    picture = message.startswith(("Failed to load image", "Failed to render SVG image"))
    return finding("p-013", f"WeasyPrint: {message}",
                   severity=Severity.ERROR if record.levelno >= logging.ERROR else Severity.WARNING,
                   tool="weasyprint", hint=_PICTURE_HINT if picture else None)


_DATA_URL = re.compile(r"data:[^\s'\"]{41,}")
_PICTURE_HINT = ("A picture could not be drawn: open the pictures the content and the clinic profile's logo: "
                 "name in an image editor and save them again (PNG, or plain SVG).")


def write(rendered: "RenderedEdition", options: dict | None = None) -> WriteResult:
    """Render, check the page budget, write tagged PDF/UA-1 bytes and repair its gaps.
    `options`: "timestamp" (the file's dates), "pdf_options" (passed to pdfua.write_pdf).
    The result's `extra` holds each page's anchors and, for a page source (block ids), where
    each page starts; its `opened` is the repaired pikepdf document the bytes were saved from,
    still open, for `Format.read` (which closes it). Raises ChecksFailed (renderer errors, too
    many pages, a refused URL)."""
    document, records = render_document(rendered)
    edition = rendered.doc.edition
    pages = len(document.pages)
    problems = _log_findings(records, rendered)
    # The page as the reader sees it (g- codes): measured on the laid-out boxes, before writing.
    problems += check_layout(document, audience=edition.audience)
    if edition.max_pages and pages > edition.max_pages:
        problems.append(finding(
            "p-012", f"'{edition.id}' of topic '{rendered.doc.topic.id}' renders to {pages} pages; "
                     f"the edition's limit is {edition.max_pages} (max_pages in editions.yaml)"))
    if any(p.is_error for p in problems):
        raise ChecksFailed(problems)
    # Where each page starts, for an EPUB that carries this PDF's page numbers (same layout).
    starts = page_starts(document) if rendered.block_ids else None
    # A stable /ID: the same content gives the same bytes (PDF/UA wants an /ID; gap 9).
    identifier = hashlib.sha256(rendered.html.encode("utf-8")).hexdigest()[:32].encode()
    timestamp = (options or {}).get("timestamp")
    if timestamp is not None:  # /CreationDate, /ModDate and the XMP dates: the build's date, not now
        document.metadata.created = document.metadata.modified = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        with capture_logs() as write_records:
            # pdfua repairs WeasyPrint's PDF/UA gaps (STANDARDS.md section 3) after writing.
            data, opened = written_pdf(document, identifier=identifier, **(options or {}).get("pdf_options", {}))
    except RefusedURL as exc:  # a <link rel="attachment"> is fetched only now
        raise _refused(exc) from None
    except OSError as exc:  # pragma: no cover - disk problems surface in output.py
        raise OutputError(str(exc)) from exc
    problems += _log_findings(write_records, rendered)
    if any(p.is_error for p in problems):
        opened.close()
        raise ChecksFailed(problems)
    anchors = [sorted(page.anchors) for page in document.pages]
    # The repaired document stays open for the checks (`opened`): the PDF is parsed once.
    return WriteResult(data=data, pages=pages, findings=tuple(problems), opened=opened,
                       extra={"anchors": anchors, "page_starts": starts})


def lay_out(rendered: "RenderedEdition") -> tuple[int, tuple[PageStart, ...]]:
    """Lay out a printed edition in memory only (its file was not asked for, or is up to
    date), for the EPUB that carries its page numbers: (page count, where each page starts).
    Raises ChecksFailed on WeasyPrint ERROR records, as they would fail the PDF itself."""
    document, records = render_document(rendered)
    errors = [_record_finding(r) for r in records if r.levelno >= logging.ERROR]
    if errors:
        raise ChecksFailed(errors)
    return len(document.pages), page_starts(document)


def add_reading_level(data: bytes, level: str) -> bytes:
    """`data` with schema:educationalLevel (the measured reading level) in its XMP metadata
    (see `pdftree.save_with_reading_level`)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return save_with_reading_level(pdf, level)
