"""The bundled TTFs (layouts/fonts/) -> @font-face rules with WOFF2 data, for web pages.

The web pages show the PDFs' typeface (Atkinson Hyperlegible, SIL OFL 1.1, its licence in
layouts/fonts/OFL.txt). Each page carries the fonts inside its own stylesheet, subset with
fontTools to the characters the page uses and compressed as WOFF2 (Brotli): one file that
works offline, a few kilobytes a face instead of the whole font, and nothing fetched from
the network. The subsets are reproducible: the same characters give the same bytes (the
font's own timestamps are kept, not set to the time of the build).

The faces are read from the @font-face rules of layouts/styles/print.css, so the print and
the web stylesheets cannot name different files.
"""
from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FACE = re.compile(r"@font-face\s*{(?P<body>[^}]*)}")
FIELD = re.compile(r"(?P<key>font-family|src|font-weight|font-style)\s*:\s*(?P<value>[^;]+);")
URL = re.compile(r"url\(\s*[\"']?(?P<url>[^\"')]+)[\"']?\s*\)")
#: Always in the subset: what screen.css and the templates add around the content.
BASE_CHARACTERS = " .,:;!?'\"()-–—·•…/&0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def faces(layouts_dir: Path) -> list[dict[str, str]]:
    """The @font-face rules of print.css: family, weight, style and the TTF's path."""
    css = (Path(layouts_dir) / "styles" / "print.css").read_text(encoding="utf-8")
    out = []
    for match in FACE.finditer(css):
        fields = {m["key"]: m["value"].strip() for m in FIELD.finditer(match["body"])}
        url = URL.search(fields.get("src", ""))
        if url is None:
            continue
        out.append({"family": fields.get("font-family", "").strip("\"'"),
                    "weight": fields.get("font-weight", "normal"), "style": fields.get("font-style", "normal"),
                    "path": str((Path(layouts_dir) / "styles" / url["url"]).resolve())})
    return out


@lru_cache(maxsize=64)
def woff2_subset(path: str, characters: str) -> bytes:
    """The font at `path`, cut down to `characters`, as WOFF2 bytes."""
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # kerning and ligatures, as in the PDF
    options.name_IDs = ["*"]  # keep the names: the licence notice and the font's own name
    options.notdef_outline = True
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out, reorderTables=False)
    return out.getvalue()


def font_face_css(layouts_dir: Path, text: str, *, italic: bool = True) -> str:
    """@font-face rules with the bundled faces as WOFF2 data: URIs, subset to `text`
    (`italic=False`: the upright faces only, for a page without emphasis in italics)."""
    characters = "".join(sorted(set(BASE_CHARACTERS) | {c for c in text if not c.isspace() or c == " "}))
    rules = []
    for face in faces(layouts_dir):
        if face["style"] != "normal" and not italic:
            continue
        data = base64.b64encode(woff2_subset(face["path"], characters)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{face["family"]}"; font-weight: {face["weight"]}; '
                     f'font-style: {face["style"]}; font-display: swap; '
                     f'src: url("data:font/woff2;base64,{data}") format("woff2"); }}')
    return "\n".join(rules) + "\n"
