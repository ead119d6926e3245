"""Large-print PDF bytes -> findings: the APH promise measured on the rendered glyphs.

Every glyph must be 18 pt or larger (the running footer too: it carries the clinic's phone
and the page number), body lines must be at least 1.5 font sizes apart (baseline to
baseline), and no body text may be italic. Measured on the written PDF's text runs (their printed
size and place, from the one reading of the file in `pdfread`), not on the stylesheet, so a
template or content change that breaks the promise is caught.
"""
from __future__ import annotations

from collections import Counter

from ..findings import Finding, finding
from .pdfread import Line, PdfFile

MIN_SIZE = 18.0  # APH large print
MIN_LINE_HEIGHT = 1.5  # baseline distance / font size
_EPSILON = 0.05


def glyph_lines(data: bytes) -> list[Line]:
    """The printed lines of a PDF, top to bottom (see `PdfFile.lines`)."""
    with PdfFile(data) as pdf:
        return pdf.lines()


def line_height_ratios(lines: list[Line], body_size: float) -> list[tuple[float, Line]]:
    """(baseline distance / size, lower line) for successive body-size lines of one paragraph.

    A line's successor is the next line below it on the page that overlaps it sideways (the
    same column). Two lines belong to one paragraph when they are closer than two font sizes:
    paragraph and list-item spacing add at least half a size to the 1.5 line height.
    """
    ratios = []
    for index, upper in enumerate(lines):
        lower = next((ln for ln in lines[index + 1:] if ln.page == upper.page and ln.baseline < upper.baseline
                      and ln.x0 < upper.x1 and upper.x0 < ln.x1), None)
        if lower is None or abs(upper.size - body_size) > _EPSILON or abs(lower.size - body_size) > _EPSILON:
            continue
        distance = upper.baseline - lower.baseline
        if distance < 2 * body_size:
            ratios.append((distance / body_size, lower))
    return ratios


def check(data: bytes, *, name: str, file: PdfFile | None = None) -> list[Finding]:
    """The large-print promise on a PDF's printed lines. `file`: the bytes already read."""
    lines = file.lines() if file is not None else glyph_lines(data)
    found: list[Finding] = []
    small = [ln for ln in lines if ln.size < MIN_SIZE - _EPSILON and ln.text.strip()]
    for ln in small[:5]:
        found.append(finding("l-001", f"{name} page {ln.page}: text at {ln.size:g} pt "
                                      f"('{ln.text.strip()[:40]}'); large print needs {MIN_SIZE:g} pt or more"))
    body = Counter(ln.size for ln in lines if ln.text.strip()).most_common(1)
    if body:
        tight = [(r, ln) for r, ln in line_height_ratios(lines, body[0][0]) if r < MIN_LINE_HEIGHT - 0.01]
        for ratio, ln in tight[:5]:
            found.append(finding("l-002", f"{name} page {ln.page}: line height {ratio:.2f} before "
                                          f"'{ln.text.strip()[:40]}'; large print needs {MIN_LINE_HEIGHT:g}"))
        for ln in [ln for ln in lines if ln.italic and abs(ln.size - body[0][0]) <= _EPSILON][:5]:
            found.append(finding("l-003", f"{name} page {ln.page}: italic body text ('{ln.text.strip()[:40]}')"))
    return found
