"""The print stylesheets as WeasyPrint reads them, for tests that lay out small documents of
their own with the product's layout rules (the fonts left out: quicker, and the rules are what
these tests are about)."""
from __future__ import annotations

import functools
import re

import weasyprint

from conftest import ROOT


@functools.cache
def print_sheets() -> tuple:
    """tokens.css and print.css without their @font-face rules (every layout rule kept)."""
    out = []
    for name in ("tokens.css", "print.css"):
        text = (ROOT / "layouts" / "styles" / name).read_text(encoding="utf-8")
        out.append(weasyprint.CSS(string=re.sub(r"@font-face\s*{[^}]*}", "", text)))
    return tuple(out)
