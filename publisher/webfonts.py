"""The bundled TTFs (layouts/fonts/) -> @font-face rules with WOFF2 data, for web pages.

The web pages show the PDFs' typeface (Atkinson Hyperlegible, SIL OFL 1.1, its licence in
layouts/fonts/OFL.txt). Each page carries the fonts inside its own stylesheet, subset with
fontTools to the characters the page uses and compressed as WOFF2 (Brotli): one file that
works offline, a few kilobytes a face instead of the whole font, and nothing fetched from
the network. The subsets are reproducible: the same characters give the same bytes (the
font's own timestamps are kept, not set to the time of the build).

The faces are read from the @font-face rules of layouts/styles/print.css, so the print and
the web stylesheets cannot name different files.

Making a subset costs about 0.06 s of CPU a face (fontTools' subsetter and Brotli), as much
as the rest of a web page's build. The subsets are therefore kept by content address in the
project's cache (`.cache/fonts/<sha256>.woff2`, when the build gives a cache folder): the
key covers the font's bytes, the characters, the subsetting options and the fontTools
version, so a kept subset is the one that would be made again. A damaged or foreign file
there is not used (it must be WOFF2 data: made again and replaced).
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

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


#: Changes whenever `_make_subset` makes other bytes from the same font and characters.
SUBSET_RECIPE = "woff2; layout_features=*; name_IDs=*; notdef_outline; 1"


@lru_cache(maxsize=16)
def _font_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def subset_key(path: str, characters: str) -> str:
    """The content address of a subset: SHA-256 (hex) over the font's bytes, the characters,
    SUBSET_RECIPE and the fontTools version."""
    import fontTools
    stat = os.stat(path)
    text = "\0".join((_font_digest(path, stat.st_size, stat.st_mtime_ns), characters, SUBSET_RECIPE,
                      fontTools.version))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def woff2_subset(path: str, characters: str, cache_dir: Path | None = None) -> bytes:
    """The font at `path`, cut down to `characters`, as WOFF2 bytes; kept in and taken from
    `cache_dir` (made if missing) when one is given. A cache that cannot be written is
    not an error: the subset is then only made."""
    if cache_dir is None:
        return _make_subset(path, characters)
    kept = Path(cache_dir) / f"{subset_key(path, characters)}.woff2"
    try:
        data = kept.read_bytes()
        if data[:4] == b"wOF2":
            return data
    except OSError:
        pass
    data = _make_subset(path, characters)
    part = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=kept.parent, prefix=".font.", suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(part, kept)  # whole or not at all: a parallel build may write the same file
    except OSError:
        if part is not None:
            Path(part).unlink(missing_ok=True)
    return data


def _make_subset(path: str, characters: str) -> bytes:
    from fontTools import subset  # imported here: a build whose subsets are all kept needs no fontTools
    from fontTools.ttLib import TTFont
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


def font_face_css(layouts_dir: Path, text: str, *, italic: bool = True, cache_dir: Path | None = None) -> str:
    """@font-face rules with the bundled faces as WOFF2 data: URIs, subset to `text`
    (`italic=False`: the upright faces only, for a page without emphasis in italics);
    `cache_dir`: where subsets are kept between builds (see the module's docstring)."""
    characters = "".join(sorted(set(BASE_CHARACTERS) | {c for c in text if not c.isspace() or c == " "}))
    rules = []
    for face in faces(layouts_dir):
        if face["style"] != "normal" and not italic:
            continue
        data = base64.b64encode(woff2_subset(face["path"], characters, cache_dir)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{face["family"]}"; font-weight: {face["weight"]}; '
                     f'font-style: {face["style"]}; font-display: swap; '
                     f'src: url("data:font/woff2;base64,{data}") format("woff2"); }}')
    return "\n".join(rules) + "\n"
