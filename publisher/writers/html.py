"""RenderedEdition -> one self-contained HTML page (UTF-8 bytes).

Pictures are embedded as data: URLs, from the bytes `read` took (and checked) inside the
topic folder, so the page needs no other file and points at nothing on this machine.
"""
from __future__ import annotations

import base64
import html as html_lib
import re
from urllib.parse import unquote

from . import WriteResult

EXTENSION = ".html"
MEDIA_TYPE = "text/html"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml", ".webp": "image/webp"}
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")')


def write(rendered, options=None) -> WriteResult:
    images = {str(i.path): i for s in rendered.doc.all_sections() for i in s.body.images}

    def embed(match: re.Match) -> str:
        image = images.get(unquote(html_lib.unescape(match.group(2))))
        if image is None:
            return match.group(0)  # not a content picture (e.g. a data: URL of the layout)
        data = base64.b64encode(image.data).decode("ascii")
        return f"{match.group(1)}data:{IMAGE_TYPES[image.path.suffix.lower()]};base64,{data}{match.group(3)}"

    return WriteResult(data=_IMG_SRC.sub(embed, rendered.html).encode("utf-8"))
