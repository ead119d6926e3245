"""Text contrast of at least 4.5:1 (WCAG 1.4.3) in every stylesheet, print ones included.

Each stylesheet in layouts/styles/ is parsed with tinycss2 (WeasyPrint's own CSS parser),
var() references are resolved from tokens.css, and every text colour it sets (`color`) is
paired with every background it sets (`background`, `background-color`) and with white
paper. Pairing every colour with every background is stricter than the pairs the pages
really show, and needs no guess about which element sits on which.
"""
from __future__ import annotations


import pytest
import tinycss2
import tinycss2.color3

from conftest import ROOT

STYLES = ROOT / "layouts" / "styles"
WHITE = (1.0, 1.0, 1.0)
MINIMUM = 4.5


def luminance(rgb) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour given as 0..1 floats."""
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def declarations(css: str):
    """(property, value tokens) of every declaration, at any depth (@page, margin boxes, @media)."""
    def walk(nodes):
        for node in nodes:
            if node.type == "declaration":
                yield node.lower_name, node.value
            elif node.type in ("qualified-rule", "at-rule") and node.content is not None:
                yield from walk(tinycss2.parse_blocks_contents(node.content, skip_whitespace=True, skip_comments=True))
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    yield from walk(rules)


def tokens(css: str) -> dict[str, list]:
    return {name: value for name, value in declarations(css) if name.startswith("--")}


def colours(value, variables) -> list[tuple[float, float, float]]:
    """The opaque colours in a declaration value, var() resolved; transparent ones are skipped."""
    found = []
    for token in value:
        if token.type == "function" and token.lower_name == "var":
            name = next(t.value for t in token.arguments if t.type == "ident")
            found += colours(variables[name], variables)
            continue
        colour = tinycss2.color3.parse_color(token)
        if colour is not None and colour != "currentColor" and colour.alpha == 1:
            found.append((colour.red, colour.green, colour.blue))
    return found


def pairs(css: str, variables) -> tuple[set, set]:
    text, grounds = set(), {WHITE}
    for name, value in declarations(css):
        if name == "color":
            text.update(colours(value, variables))
        elif name in ("background", "background-color"):
            grounds.update(colours(value, variables))
    return text, grounds


def low_contrast(css: str, variables) -> list[str]:
    text, grounds = pairs(css, variables)
    return [f"{_hex(t)} on {_hex(g)}: {contrast(t, g):.2f}:1" for t in sorted(text) for g in sorted(grounds)
            if contrast(t, g) < MINIMUM]


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


VARIABLES = tokens((STYLES / "tokens.css").read_text(encoding="utf-8"))


@pytest.mark.parametrize("sheet", sorted(p.name for p in STYLES.glob("*.css") if p.name != "tokens.css"))
def test_every_text_colour_has_4_5_to_1_on_every_background(sheet):
    css = (STYLES / sheet).read_text(encoding="utf-8")
    text, grounds = pairs(css, VARIABLES)
    assert text, f"{sheet} sets no text colour: the parser missed its rules"
    assert low_contrast(css, VARIABLES) == []


def test_print_margin_boxes_and_media_rules_are_read():
    """Colours inside @page margin boxes and @media blocks count too."""
    css = "@page { @bottom-left { color: #777777; } } @media print { p { background: #000000; color: #ffffff; } }"
    text, grounds = pairs(css, VARIABLES)
    assert {_hex(t) for t in text} == {"#777777", "#ffffff"}
    assert {_hex(g) for g in grounds} == {"#000000", "#ffffff"}
    # #777777 passes on black (4.69:1) but not on white paper; white text on white paper fails.
    assert low_contrast(css, VARIABLES) == ["#777777 on #ffffff: 4.48:1", "#ffffff on #ffffff: 1.00:1"]


def test_a_token_below_4_5_to_1_is_caught():
    variables = dict(VARIABLES, **tokens(":root { --color-muted: #8a8a8a; }"))
    problems = low_contrast(".ref-type { color: var(--color-muted); } th { background: var(--color-note-bg); }", variables)
    assert problems == ["#8a8a8a on #f2f5f9: 3.16:1", "#8a8a8a on #ffffff: 3.45:1"]


def test_wcag_formula():
    assert contrast((0, 0, 0), WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)
    assert contrast((0x76 / 255,) * 3, WHITE) == pytest.approx(4.54, abs=0.01)


def test_generated_cover_text_contrast():
    """The EPUB cover is drawn, not styled: its text colours are checked against its ground too."""
    from lxml import etree

    from publisher.writers.epub import cover_svg
    svg = etree.fromstring(cover_svg("A title", "A subtitle", "A clinic").encode("utf-8"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    ground = svg.find("s:rect", ns).get("fill")
    fills = {t.get("fill") for t in svg.iterfind("s:text", ns)}

    def rgb(value):
        c = tinycss2.color3.parse_color(value)
        return (c.red, c.green, c.blue)
    assert fills and all(contrast(rgb(f), rgb(ground)) >= MINIMUM for f in fills)
