"""One writer per output format, registered by name.

Each writer is `write(rendered: RenderedEdition, options: WriteOptions) -> WriteResult`;
the format's facts (extension, media type) are constants of its module. Writers are
imported lazily, so `publish --help` and `publish list` never load weasyprint or ebooklib.
"""
from __future__ import annotations

import base64
import html as html_lib
import importlib
import re
from dataclasses import dataclass
from urllib.parse import unquote

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


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


def embed_images(html: str, doc) -> str:
    """Content pictures as data: URLs, from the bytes `read` took (and checked) inside the
    topic folder: the output needs no other file, nothing is read twice, and the bytes do
    not depend on where the topic folder is (WeasyPrint names images by their URL)."""
    images = {str(i.path): i for s in doc.all_sections() for i in s.body.images}

    def embed(match: re.Match) -> str:
        image = images.get(unquote(html_lib.unescape(match.group(2))))
        if image is None:
            return match.group(0)  # not a content picture (e.g. the layout's own data: URL)
        data = base64.b64encode(image.data).decode("ascii")
        return f"{match.group(1)}data:{IMAGE_TYPES[image.path.suffix.lower()]};base64,{data}{match.group(3)}"

    return _IMG_SRC.sub(embed, html)
