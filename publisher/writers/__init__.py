"""One writer per output format, registered by name.

Each writer is `write(rendered: RenderedEdition, options: WriteOptions) -> WriteResult`;
the format's facts (extension, media type) are constants of its module. Writers are
imported lazily, so `publish --help` and `publish list` never load weasyprint or ebooklib.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..errors import EditionError

WRITERS = {"pdf": "publisher.writers.pdf", "epub": "publisher.writers.epub", "html": "publisher.writers.html"}
EXTENSIONS = {"pdf": ".pdf", "epub": ".epub", "html": ".html"}


@dataclass(frozen=True)
class WriteResult:
    data: bytes
    pages: int | None = None
    findings: tuple = ()
    extra: dict | None = None  # format-specific facts (e.g. page anchors of a PDF)


def get_writer(fmt: str):
    if fmt not in WRITERS:
        raise EditionError(f"unknown format '{fmt}'; known formats: {', '.join(WRITERS)}")
    return importlib.import_module(WRITERS[fmt]).write


def add_reading_level(fmt: str, data: bytes, level: str) -> bytes:
    """Write the measured reading level (e.g. "Flesch-Kincaid grade 5.4") into the file's
    metadata as schema:educationalLevel: PDF XMP, EPUB package metadata. The web page has
    no metadata field for it that tools read, so its bytes are returned unchanged."""
    if fmt not in READING_LEVEL_FORMATS:
        return data
    return importlib.import_module(WRITERS[fmt]).add_reading_level(data, level)


READING_LEVEL_FORMATS = ("pdf", "epub")
