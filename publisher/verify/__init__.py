"""Checks on built outputs. Fast checks (our own code) run on every build; the external
validators (EPUBCheck, Ace, axe) run in `publish check` and with `build --check full`."""
from __future__ import annotations

from ..findings import Finding
from ..formats import get_format


def check_bytes(doc, data: bytes, *, name: str, reading=None, file=None) -> list[Finding]:
    """Run the fast checks of the output's format on its bytes (before they are written).

    `file`: those bytes already read by the format's reader (`Format.read`; for a PDF one
    `pdfread.PdfFile`), shared by every check; without it they are read here, once. An
    edition with reading-level targets is also measured (or `reading`, already measured
    on these bytes, is used) and checked against them."""
    fmt = get_format(doc.edition.format)
    if file is None:
        with fmt.read(data) as opened:
            return check_bytes(doc, data, name=name, reading=reading, file=opened)
    from . import readability
    from .safety import check_safety
    found = fmt.load_check()(data, name=name, file=file)
    if readability.has_targets(doc.edition):
        reading = reading or readability.measure_blocks(file.blocks(), doc)
        found += readability.check(reading, doc.edition, name=name)
    found += check_safety(doc, data, name=name, blocks=reading.blocks if reading else None, file=file)
    if doc.edition.large_print and fmt.paged:  # measured on the printed pages
        from .largeprint import check as check_large_print
        found += check_large_print(data, name=name, file=file)
    return found


def check_index(data: bytes, *, name: str) -> list[Finding]:
    """The fast checks of handouts/index.html (HTML structure; it has no topic to be safe about)."""
    from .html import check
    return check(data, name=name)
