"""RenderedEdition -> one self-contained HTML page (UTF-8 bytes).

Pictures are embedded as data: URLs (`embed_images`), so the page needs no other file and
points at nothing on this machine.
"""
from __future__ import annotations

from . import WriteResult, embed_images


def write(rendered, options=None) -> WriteResult:
    """The rendered page with its pictures embedded, as UTF-8 bytes."""
    return WriteResult(data=embed_images(rendered.html, rendered.doc).encode("utf-8"))
