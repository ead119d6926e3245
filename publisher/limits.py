"""Every limit on what the tool reads, in one place (docs/CONTENT.md "Limits" lists them for
editors, from `LIMITS` below).

The limits are far above what a real handout needs (the bundled topic: 4,100 words, its
largest section file 3.7 KB and 510 words, 3 levels of YAML, a few items per list); they
exist so that no input, however made, can make a build or a check hang or take memory in
proportion to what a file claims to hold. Each one is enforced where the file is read,
before the costly step it protects (a file's size before it is read, YAML depth while it
is parsed and never by a recursion that could overflow, the section files of a topic
before any is read, a picture's pixels from its header), with a coded finding that names
the file (and line) and the limit.
"""
from __future__ import annotations

from dataclasses import dataclass

# -- content files (read.py, yamlfile.py, markup.py) -----------------------------------------
#: Any text file the tool reads: a section (.md or .yaml), topic.yaml, editions.yaml, a
#: clinic profile, a summary recipe.
MAX_FILE_BYTES = 64 * 1024
#: All the section files of one topic together (the bundled topic: 75 KB).
MAX_TOPIC_BYTES = 1024 * 1024
#: Levels of YAML nesting (lists in fields in lists ...): content uses 3.
MAX_YAML_DEPTH = 20
#: Levels of Markdown nesting (a list in a list, a quote in a list ...); past about ten the
#: Markdown parser would drop text without a word.
MAX_MARKDOWN_DEPTH = 8
#: Links and pictures (counted as the '[' that starts each) in one Markdown text: counted
#: before the text is parsed, as the Markdown parser takes far longer over brackets than
#: over words (about 60 microseconds each here).
MAX_LINKS = 1_000
#: Items in one YAML list (or fields in one block), and list items in one Markdown text.
MAX_LIST_ITEMS = 1_000
#: Section files (main files and variants, at every level) in one topic.
MAX_SECTION_FILES = 500
#: Levels of subsection folders: a top-level section is a level-2 heading, and HTML has six.
MAX_SECTION_DEPTH = 5
#: Columns and rows (header row included) of one table.
MAX_TABLE_COLUMNS = 20
MAX_TABLE_ROWS = 500
#: Words in one section file, and in all the main section files of a topic (what the
#: booklet prints: rendering time grows with it, about 20 s per 100,000 words here).
MAX_SECTION_WORDS = 10_000
MAX_TOPIC_WORDS = 100_000

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


@dataclass(frozen=True)
class Limit:
    """One documented limit: its value, what it counts, and the finding code it raises."""

    value: int
    what: str
    code: str


#: Every limit an editor can meet, by its name here (docs/CONTENT.md shows this table).
LIMITS: dict[str, Limit] = {
    "MAX_FILE_BYTES": Limit(MAX_FILE_BYTES, "one content file (section, topic.yaml, editions.yaml, clinic "
                                            "profile, recipe)", "b-001"),
    "MAX_TOPIC_BYTES": Limit(MAX_TOPIC_BYTES, "all the section files of one topic together", "b-001"),
    "MAX_YAML_DEPTH": Limit(MAX_YAML_DEPTH, "levels of YAML nesting", "b-002"),
    "MAX_MARKDOWN_DEPTH": Limit(MAX_MARKDOWN_DEPTH, "levels of Markdown nesting (lists, quotes)", "b-002"),
    "MAX_LINKS": Limit(MAX_LINKS, "links and pictures ('[') in one Markdown text", "b-007"),
    "MAX_LIST_ITEMS": Limit(MAX_LIST_ITEMS, "items in one YAML list, list items in one Markdown text", "b-003"),
    "MAX_SECTION_FILES": Limit(MAX_SECTION_FILES, "section files in one topic", "b-004"),
    "MAX_SECTION_DEPTH": Limit(MAX_SECTION_DEPTH, "levels of subsection folders", "b-004"),
    "MAX_TABLE_COLUMNS": Limit(MAX_TABLE_COLUMNS, "columns of one table", "b-005"),
    "MAX_TABLE_ROWS": Limit(MAX_TABLE_ROWS, "rows of one table", "b-005"),
    "MAX_SECTION_WORDS": Limit(MAX_SECTION_WORDS, "words in one section file", "b-006"),
    "MAX_TOPIC_WORDS": Limit(MAX_TOPIC_WORDS, "words in the main section files of one topic", "b-006"),
    "MAX_PICTURE_BYTES": Limit(MAX_PICTURE_BYTES, "one picture file", "c-006"),
    "MAX_PICTURE_PIXELS": Limit(MAX_PICTURE_PIXELS, "pixels of one raster picture", "c-006"),
    "MAX_PICTURE_SIDE": Limit(MAX_PICTURE_SIDE, "pixels on either side of a raster picture", "c-006"),
    "MAX_SVG_ELEMENTS": Limit(MAX_SVG_ELEMENTS, "elements of one SVG picture", "c-006"),
}


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KB', 1610612736 -> '1.5 GB' (binary units, one decimal)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover
