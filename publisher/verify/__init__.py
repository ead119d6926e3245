"""Checks on built outputs. Fast checks (our own code) run on every build; the external
validators (EPUBCheck, Ace, axe) run in `publish check` and with `build --check full`."""
from __future__ import annotations

from ..findings import Finding

FAST_CHECKS = {"pdf": "publisher.verify.pdf", "epub": "publisher.verify.epub", "html": "publisher.verify.html"}


def check_bytes(doc, data: bytes, *, name: str, reading=None) -> list[Finding]:
    """Run the fast checks of the output's format on its bytes (before they are written).

    An edition with reading-level targets is also measured (or `reading`, already measured
    on these bytes, is used) and checked against them."""
    import importlib
    module = importlib.import_module(FAST_CHECKS[doc.edition.format])
    from . import readability
    from .safety import check_safety
    found = module.check(data, name=name)
    if readability.has_targets(doc.edition):
        reading = reading or readability.measure(doc, data)
        found += readability.check(reading, doc.edition, name=name)
    found += check_safety(doc, data, name=name, blocks=reading.blocks if reading else None)
    if doc.edition.large_print and doc.edition.format == "pdf":
        from .largeprint import check as check_large_print
        found += check_large_print(data, name=name)
    return found


def check_index(data: bytes, *, name: str) -> list[Finding]:
    """The fast checks of handouts/index.html (HTML structure; it has no topic to be safe about)."""
    from .html import check
    return check(data, name=name)
