"""RenderedEdition -> one self-contained HTML page (UTF-8 bytes)."""
from __future__ import annotations

from . import WriteResult

EXTENSION = ".html"
MEDIA_TYPE = "text/html"


def write(rendered, options=None) -> WriteResult:
    return WriteResult(data=rendered.html.encode("utf-8"))
