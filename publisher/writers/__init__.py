"""One writer per output format; `publisher.formats` names each format's writer module.

Each writer is `write(rendered: RenderedEdition, options: dict) -> WriteResult`; the
format's facts (extension, media type, ...) are in its `formats.Format` record. Writers
are imported only when a format's record loads them, so `publish --help` and `publish
list` never load weasyprint or ebooklib. This module holds what the writers share.
"""
from __future__ import annotations

import base64
import html as html_lib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from ..model import SelectedDocument


@dataclass(frozen=True)
class WriteResult:
    """What a writer returns: the file's bytes, its page count (paged formats), what the writer
    found (findings), and format-specific facts (`extra`, e.g. where each PDF page starts)."""

    data: bytes
    pages: int | None = None
    findings: tuple = ()
    extra: dict | None = None  # format-specific facts (e.g. page anchors of a PDF)
    # The written file still open in the writer's library (a PDF's pikepdf.Pdf, the document
    # that was saved as `data`), handed to the format's reader so that the checks do not
    # parse the bytes again; whoever reads it closes it (`Format.read`).
    opened: object = None


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


def embed_images(html: str, doc: "SelectedDocument") -> str:
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
