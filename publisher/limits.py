"""The limits every input is held to, in one place, so that any input, mistaken or
hostile, costs a bounded amount of time and memory before it is refused.

Each limit is far above what a real handout needs (the bundled topic: 4,100 words, its
largest section file 3.7 KB and 510 words, 3 levels of YAML, a few list items per list) and
each has its own finding code, raised with the file and line where the limit is passed.
docs/CONTENT.md ("Limits") documents the same table; `LIMITS` below is what it is checked
against. The checks run before the costly step they protect: a file's size before it is
read, YAML depth while it is parsed (never by recursion that could overflow), the number
of section files before any is read, a picture's pixels from its header before any pixel
is decoded.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

KB = 1024
MB = 1024 * KB

#: Any text file the tool reads: a section (.md or .yaml), topic.yaml, editions.yaml, a
#: clinic profile, a summary recipe.
MAX_FILE_BYTES = 256 * KB
#: All the section files of one topic together (the bundled topic: 75 KB).
MAX_TOPIC_BYTES = 4 * MB
#: Levels of YAML nesting (lists in fields in lists ...): content uses 3.
MAX_YAML_DEPTH = 20
#: Levels of Markdown nesting (a list in a list, a quote in a list ...).
MAX_MARKDOWN_DEPTH = 8
#: Items in one YAML list, and list items in one Markdown text (all its lists together).
MAX_LIST_ITEMS = 1_000
#: Section files (main files and variants, at every level) in one topic.
MAX_SECTION_FILES = 500
#: Levels of subsection folders: a top-level section is a level-2 heading, and HTML has six.
MAX_SECTION_DEPTH = 5
#: Columns and rows (header row included) of one table.
MAX_TABLE_COLUMNS = 20
MAX_TABLE_ROWS = 500
#: Words in one section file, and in all the main section files of a topic.
MAX_SECTION_WORDS = 20_000
MAX_TOPIC_WORDS = 100_000
#: One picture file, and its width x height in pixels (5,000 x 5,000; a full Letter page
#: at 300 dpi is 2,550 x 3,300).
MAX_PICTURE_BYTES = 10 * MB
MAX_PICTURE_PIXELS = 25_000_000


@dataclass(frozen=True)
class Limit:
    """One documented limit: its value, what it counts, and the finding code it raises."""

    value: int
    what: str
    code: str


LIMITS: dict[str, Limit] = {
    "MAX_FILE_BYTES": Limit(MAX_FILE_BYTES, "bytes in one content file (section, topic.yaml, editions.yaml, "
                                            "clinic profile, recipe)", "b-001"),
    "MAX_TOPIC_BYTES": Limit(MAX_TOPIC_BYTES, "bytes in all the section files of one topic", "b-001"),
    "MAX_YAML_DEPTH": Limit(MAX_YAML_DEPTH, "levels of YAML nesting", "b-002"),
    "MAX_MARKDOWN_DEPTH": Limit(MAX_MARKDOWN_DEPTH, "levels of Markdown nesting (lists, quotes)", "b-002"),
    "MAX_LIST_ITEMS": Limit(MAX_LIST_ITEMS, "items in one YAML list, or list items in one Markdown text", "b-003"),
    "MAX_SECTION_FILES": Limit(MAX_SECTION_FILES, "section files in one topic", "b-004"),
    "MAX_SECTION_DEPTH": Limit(MAX_SECTION_DEPTH, "levels of subsection folders", "b-004"),
    "MAX_TABLE_COLUMNS": Limit(MAX_TABLE_COLUMNS, "columns of one table", "b-005"),
    "MAX_TABLE_ROWS": Limit(MAX_TABLE_ROWS, "rows of one table", "b-005"),
    "MAX_PICTURE_BYTES": Limit(MAX_PICTURE_BYTES, "bytes in one picture file", "b-006"),
    "MAX_PICTURE_PIXELS": Limit(MAX_PICTURE_PIXELS, "pixels (width x height) of one picture", "b-006"),
    "MAX_SECTION_WORDS": Limit(MAX_SECTION_WORDS, "words in one section file", "b-007"),
    "MAX_TOPIC_WORDS": Limit(MAX_TOPIC_WORDS, "words in the main section files of one topic", "b-007"),
}


def size_text(size: int) -> str:
    """1536 -> '1.5 KB', 10485760 -> '10 MB': sizes as an editor reads them."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= KB:
        return f"{size / KB:.1f}".removesuffix(".0") + " KB"
    return f"{size} bytes"


def picture_pixels(data: bytes) -> int | None:
    """Width x height of a raster picture (PNG, JPEG, GIF, WebP), read from its header
    only: no pixel is decoded, so a small file that would unpack to gigabytes costs
    nothing here. None when the header cannot be read."""
    from PIL import Image  # Pillow comes with WeasyPrint
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:  # lazy: reads the header
                width, height = picture.size
    except Image.DecompressionBombError:
        return MAX_PICTURE_PIXELS + 1  # Pillow's own limit is far above ours
    except Exception:  # noqa: BLE001 - a damaged header: the format check says so
        return None
    return width * height
