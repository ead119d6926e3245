"""Every limit on what the tool reads, in one place (docs/CONTENT.md lists them for editors).

The limits are far above what a real handout needs; they exist so that no input, however
made, can make a build or a check hang or take memory in proportion to what a file claims
to hold. Each one is enforced where the file is read, with a coded finding that names the
file (and line) and the limit.
"""
from __future__ import annotations

# -- pictures (content images and clinic logos) ----------------------------------------------
#: Bytes of one picture file. A full-page photo at print resolution is a few megabytes.
MAX_PICTURE_BYTES = 20 * 1024 * 1024
#: Pixels of one raster picture (width x height): a 48-megapixel phone photo fits; decoding
#: one takes at most about 160 MB. Checked from the file's header before anything decodes.
MAX_PICTURE_PIXELS = 50_000_000
#: Either side of a raster picture, in pixels.
MAX_PICTURE_SIDE = 16_000
#: Elements of one SVG picture, counting every <use> as the elements it repeats.
MAX_SVG_ELEMENTS = 50_000

# -- archives the tool did not write (EPUBs given to `publish check`) ------------------------
#: Entries in one archive. An EPUB booklet has a few dozen.
MAX_ARCHIVE_ENTRIES = 5_000
#: Unpacked bytes of one archive entry (a chapter, a picture, a font).
MAX_ARCHIVE_ENTRY_BYTES = 64 * 1024 * 1024
#: Unpacked bytes of all entries together.
MAX_ARCHIVE_TOTAL_BYTES = 512 * 1024 * 1024
#: How much an entry may grow when unpacked (text compresses about 3 to 10 times); checked
#: for entries above ARCHIVE_RATIO_FROM bytes, so tiny files of spaces stay fine.
MAX_ARCHIVE_RATIO = 200
ARCHIVE_RATIO_FROM = 1024 * 1024


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KB', 1610612736 -> '1.5 GB' (binary units, one decimal)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover
