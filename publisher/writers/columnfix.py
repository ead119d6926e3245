"""One fix to WeasyPrint 70's multi-column layout: a flow keeps the columns it filled.

WeasyPrint 70 lays a multi-column box out column by column. When a column after the first
cannot place anything (its first block is kept whole, `break-inside: avoid`, and is taller
than the space left, such as the safety block with its heading), it throws away the columns
already filled and moves the whole multi-column box to the next page: the two-column
handout's page 1 then holds only the title block and every line of text starts on page 2
(Kozea/WeasyPrint#2790 shows the same: "we should not put the content on the next page, we
should break instead"). Fixed here as that maintainer describes: the columns already filled
stay on the page and the flow goes on, from the block that did not fit, on the next page.

The fix edits the source of the private `weasyprint.layout.column.columns_layout` of this
exact release: the module refuses to load with another release or another source of that
function (re-check the bug, then the digest below, before moving the pin).
"""
from __future__ import annotations

import hashlib
import inspect
import textwrap

import weasyprint
from weasyprint.layout import block as _block, column as _column

WEASYPRINT_PIN = "70.0"
#: SHA-256 of `inspect.getsource(columns_layout)` in WeasyPrint 70.0, before the fix.
SOURCE_SHA256 = "7a05cce3272fc581cf8d9352ebe07d4de51fb742dfccd6d2e86895ac0eca9691"
_BROKEN = """
            if new_child is None:
                columns = []
                break_page = True
                break
"""
# Only a column after the first can have columns before it: keep them, and resume the flow
# after the last one (its skip stack); stop_rendering ends the multi-column box on this page.
_FIXED = """
            if new_child is None:
                if columns:
                    column_skip_stack = skip_stack
                    stop_rendering = True
                    break
                columns = []
                break_page = True
                break
"""


def _patched():
    if weasyprint.__version__ != WEASYPRINT_PIN:
        raise RuntimeError(f"publisher.writers.columnfix needs WeasyPrint {WEASYPRINT_PIN} exactly (it edits a "
                           f"private function of that release), found {weasyprint.__version__}: re-check "
                           "Kozea/WeasyPrint#2790 in the new release and move the pin")
    original = getattr(_column.columns_layout, "__wrapped_source__", None)
    if original is not None:  # already fixed in this process
        return _column.columns_layout
    source = inspect.getsource(_column.columns_layout)
    if hashlib.sha256(source.encode("utf-8")).hexdigest() != SOURCE_SHA256 or source.count(_BROKEN) != 1:
        raise RuntimeError("weasyprint.layout.column.columns_layout is not the function publisher.writers.columnfix "
                           "was written for: re-check the fix")
    namespace = dict(vars(_column))
    exec(compile(textwrap.dedent(source.replace(_BROKEN, _FIXED)), _column.__file__, "exec"), namespace)
    fixed = namespace["columns_layout"]
    fixed.__wrapped_source__ = source
    return fixed


#: WeasyPrint's own function (tests lay a page out with it to make the faulty page again).
ORIGINAL = getattr(_column.columns_layout, "__original__", _column.columns_layout)
columns_layout = _patched()
columns_layout.__original__ = ORIGINAL
_column.columns_layout = columns_layout
_block.columns_layout = columns_layout  # block.py imported the name itself
