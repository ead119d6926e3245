"""RenderedEdition -> one self-contained HTML page (UTF-8 bytes).

Pictures are embedded as data: URLs (`embed_images`), so the page needs no other file and
points at nothing on this machine.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import WriteResult, embed_images

if TYPE_CHECKING:
    from ..render import RenderedEdition


def write(rendered: "RenderedEdition", options: dict | None = None) -> WriteResult:
    """The rendered page with its pictures embedded, as UTF-8 bytes."""
    return WriteResult(data=embed_images(rendered.html, rendered.doc).encode("utf-8"))
