"""The output formats: one `Format` record each, the only place a format's facts are written.

A format's record names its file extension, media type, label on the index page, the
stylesheets its editions use, its writer, its fast checks, its text and block extractors
(what the safety and readability checks read), the external validators that judge it, and
how it behaves (paged: paper and page budgets apply; reading level in its metadata;
page numbers taken from a printed edition). Adding a format means adding one record here
and the modules it names.

The writer, checks and extractors are named as "module" or "module:function" and imported
only when called, so `publish --help`, `publish list` and a no-op build never load
WeasyPrint, ebooklib or pdfminer. Nothing here imports anything of the package but errors.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

from .errors import EditionError


@dataclass(frozen=True)
class Format:
    """Everything the tool knows about one output format."""

    name: str  #: the name editions.yaml and --format use ("pdf")
    extension: str  #: the output file's extension, with its dot (".pdf")
    media_type: str  #: the IANA media type ("application/pdf"), e.g. for a web server
    label: str  #: how handouts/index.html names the format to readers
    stylesheets: tuple[str, ...]  #: layout files (relative to layouts/) the editions use, in order
    writer: str  #: module with `write(RenderedEdition, options) -> WriteResult`
    checks: str  #: module with `check(data, *, name) -> list[Finding]`: our own fast checks
    text: str  #: "module:function" (data: bytes) -> str: the text a reader gets
    blocks: str  #: "module:function" (data: bytes) -> list[Block]: headings, paragraphs, items
    #: "module:function" (data: bytes, fmt) -> the file read once, for all its checks; if the
    #: writer hands over the file still open (WriteResult.opened), also `opened=` that object
    reader: str
    validators: tuple[str, ...] = ()  #: external validators that judge this format (verify/external)
    paged: bool = False  #: laid out on paper: --paper and max_pages apply; can give EPUBs page numbers
    reading_level_metadata: bool = False  #: the writer's `add_reading_level` puts the grade in the file
    takes_page_numbers: bool = False  #: may carry a printed edition's page numbers (pages_from)
    digital_rank: int | None = None  #: a printed handout's QR code opens the lowest-ranked digital format
    conformance_claim: bool = False  #: claims EPUB Accessibility conformance once the validators pass it
    shown_inline: bool = False  #: a web browser shows the file itself (else it is downloaded)

    def load_writer(self) -> Callable:
        """The writer's `write(rendered, options) -> WriteResult` (imports the writer)."""
        return _load(self.writer, "write")

    def load_layout(self) -> Callable:
        """A paged format's `lay_out(rendered) -> (pages, page starts)`: the layout, not written."""
        if not self.paged:
            raise ValueError(f"{self.name} is not laid out on pages")
        return _load(self.writer, "lay_out")

    def load_check(self) -> Callable:
        """The fast checks' `check(data, *, name) -> list[Finding]`."""
        return _load(self.checks, "check")

    def load_text(self) -> Callable[[bytes], str]:
        """`(data) -> str`: the text a reader gets from a file of this format."""
        return _load(*self.text.split(":"))

    def load_blocks(self) -> Callable:
        """`(data) -> list[verify.text.Block]`: the file's text as headings, paragraphs and items."""
        return _load(*self.blocks.split(":"))

    def read(self, data: bytes, opened: object = None):
        """`data` read once for all the checks: an object with `.data`, `.blocks()`,
        `.with_reading_level(level) -> bytes` and `.close()` (a context manager). `opened`:
        the same file still open in the writer's library (`WriteResult.opened`), read
        instead of parsing `data` again and closed with the returned object."""
        reader = _load(*self.reader.split(":"))
        return reader(data, self) if opened is None else reader(data, self, opened=opened)

    def add_reading_level(self, data: bytes, level: str) -> bytes:
        """`data` with the measured reading level in its metadata (schema:educationalLevel);
        unchanged for a format that has no metadata field tools read for it."""
        return _load(self.writer, "add_reading_level")(data, level) if self.reading_level_metadata else data


def _load(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


#: Every output format, by name. The order is the order formats are listed in messages.
FORMATS: dict[str, Format] = {
    "pdf": Format(
        name="pdf", extension=".pdf", media_type="application/pdf", label="PDF (print)",
        stylesheets=("styles/tokens.css", "styles/print.css"),
        writer="publisher.writers.pdf", checks="publisher.verify.pdf",
        text="publisher.verify.text:pdf_text", blocks="publisher.verify.pdfread:pdf_blocks",
        reader="publisher.verify.pdfread:read_pdf",
        paged=True, reading_level_metadata=True, shown_inline=True),
    "epub": Format(
        name="epub", extension=".epub", media_type="application/epub+zip", label="EPUB e-book",
        stylesheets=("styles/tokens.css", "styles/epub.css"),
        writer="publisher.writers.epub", checks="publisher.verify.epub",
        text="publisher.verify.text:epub_text", blocks="publisher.verify.text:epub_blocks",
        reader="publisher.verify.text:MarkupFile",
        validators=("epubcheck", "ace"), reading_level_metadata=True, takes_page_numbers=True, digital_rank=2,
        conformance_claim=True),
    "html": Format(
        name="html", extension=".html", media_type="text/html", label="Web page",
        stylesheets=("styles/tokens.css", "styles/screen.css"),
        writer="publisher.writers.html", checks="publisher.verify.html",
        text="publisher.verify.text:html_text", blocks="publisher.verify.text:html_blocks",
        reader="publisher.verify.text:MarkupFile",
        validators=("axe",), digital_rank=1, shown_inline=True),
}

#: Format names, for option choices and messages.
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)
#: Format by file extension (lower case, with the dot).
BY_EXTENSION: dict[str, Format] = {f.extension: f for f in FORMATS.values()}


def get_format(name: str) -> Format:
    """The record of format `name`. Raises EditionError, listing the known formats, for any other."""
    try:
        return FORMATS[name]
    except KeyError:
        raise EditionError(f"unknown format '{name}'; known formats: {', '.join(FORMATS)}") from None


def format_of_path(path: str | PurePath) -> Format | None:
    """The format of a file, from its extension (any case); None if it is not an output format."""
    return BY_EXTENSION.get(PurePath(path).suffix.lower())


def _check_table() -> None:
    """A record that contradicts itself is a programmer error: fail when the module is imported."""
    for key, fmt in FORMATS.items():
        if key != fmt.name or not fmt.extension.startswith(".") or len(fmt.stylesheets) == 0:
            raise ValueError(f"bad Format record {key!r}: {fmt}")
    if len(BY_EXTENSION) != len(FORMATS):
        raise ValueError("two formats share an extension")


_check_table()
