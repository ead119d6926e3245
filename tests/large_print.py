"""Test helper: large-print facts measured in a rendered PDF with pdfminer.six's own layout
analysis (independent of publisher/verify/largeprint.py, which the build runs)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLine


@dataclass
class Facts:
    min_size: float
    body_size: float
    heading_sizes: set
    line_ratios: list  # baseline distance / font size, successive body lines of one text box
    italic_chars: int
    columns: int  # most text boxes side by side in the body area of any page
    min_margin: float  # smallest distance from a glyph to the page edge (left, right, top)


def _chars(line):
    return [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]


def measure(path: Path, *, footer_height: float = 100) -> Facts:
    sizes, ratios, italic, columns, margins = Counter(), [], 0, 1, []
    # line_margin 0.8: lines 1.5 sizes apart still form one box (pdfminer's 0.5 splits them).
    for page in extract_pages(path, laparams=LAParams(line_margin=0.8)):
        boxes = [b for b in page if isinstance(b, LTTextBox)]
        for box in boxes:
            lines = [ln for ln in box if isinstance(ln, LTTextLine) and _chars(ln)]
            for line in lines:
                for c in _chars(line):
                    sizes[round(c.size, 1)] += 1
                    italic += "italic" in c.fontname.lower() or "oblique" in c.fontname.lower()
                    margins += [c.x0, page.width - c.x1, page.height - c.y1]
            for upper, lower in zip(lines, lines[1:]):
                a, b = _chars(upper), _chars(lower)
                size_a = Counter(round(c.size, 1) for c in a).most_common(1)[0][0]
                size_b = Counter(round(c.size, 1) for c in b).most_common(1)[0][0]
                distance = a[0].matrix[5] - b[0].matrix[5]  # matrix[5]: the baseline's y
                if size_a == size_b and distance > 1:  # 0: a list bullet beside its text
                    ratios.append((size_a, distance / size_a))
        body = [b for b in boxes if b.y0 > footer_height and b.width > 100]  # text, not a bullet
        for box in body:  # boxes whose vertical extents overlap but which sit side by side
            beside = [o for o in body if o is not box and o.y0 < box.y1 and box.y0 < o.y1
                      and (o.x0 >= box.x1 or o.x1 <= box.x0)]
            columns = max(columns, 1 + len(beside))
    body_size = sizes.most_common(1)[0][0]
    return Facts(min_size=min(sizes), body_size=body_size, heading_sizes={s for s in sizes if s > body_size},
                 line_ratios=[r for s, r in ratios if s == body_size], italic_chars=italic,
                 columns=columns, min_margin=min(margins))
