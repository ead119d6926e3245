"""A web address -> a QR code image (SVG data: URI) for printed handouts, made offline with segno.

Used by `render`: a printed handout whose clinic profile has a `base_url` carries a QR code
that opens the digital version of the same topic, with the address printed beside it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin


# Error correction "M" (15 %) survives a smudged or creased print; a quiet zone of 4 modules
# is what the QR standard (ISO/IEC 18004) asks for.
ERROR_LEVEL = "m"
QUIET_ZONE = 4


@dataclass(frozen=True)
class QRCode:
    url: str
    src: str  # data:image/svg+xml URI
    alt: str

    @property
    def url_parts(self) -> tuple[str, ...]:
        """The printed address in the pieces a line may break between: the scheme with the
        host ("https://riverside.example.org/"), then each folder of the path with its "/",
        then the file (with any query). The printed caption keeps the first whole on a line
        unless it is longer than the line (partials/_qr.html.j2, print.css `.url-part`), so the
        address never breaks right after "https://"."""
        return url_parts(self.url)


def url_parts(url: str) -> tuple[str, ...]:
    """`url` cut after the host and after every later "/" (see `QRCode.url_parts`); the
    pieces joined are `url`."""
    match = re.match(r"[a-z][a-z0-9+.-]*://[^/]*/?", url, re.I)
    head = match[0] if match else ""
    rest = url[len(head):]
    path, query = (rest.split("?", 1) + [None])[:2] if "?" in rest else (rest, None)
    pieces = [p + "/" for p in path.split("/")[:-1]] + [path.rsplit("/", 1)[-1]]
    if query is not None:
        pieces[-1] += "?" + query
    return tuple(p for p in [head, *pieces] if p)


def digital_url(base_url: str, relative: str) -> str:
    """Where a file of the output folder is served: base_url + its path in handouts/."""
    return urljoin(base_url if base_url.endswith("/") else base_url + "/", relative)


def make_qr(url: str, *, what: str, alt: str = "QR code: opens {what} at {url}") -> QRCode:
    """The QR code for `url`; `what` names what it opens, for the alt text; `alt`: the alt
    text's pattern, in the output's language."""
    import segno  # here: only a clinic with a base_url prints QR codes
    code = segno.make(url, error=ERROR_LEVEL, micro=False)
    # omitsize: a viewBox instead of a fixed size, so the stylesheet sets the printed size.
    src = code.svg_data_uri(scale=1, border=QUIET_ZONE, omitsize=True, dark="#000000", light="#ffffff")
    return QRCode(url=url, src=src, alt=alt.format(what=what, url=url))
