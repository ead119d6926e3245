"""render.css_string: text from content and clinic profiles goes into a <style> element."""
from publisher.render import css_string


def test_css_string_escapes_quotes_markup_and_line_breaks():
    out = str(css_string('Dr "Lee" </style><script>\\ A\nB'))
    assert out.startswith('"') and out.endswith('"')
    inner = out[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "\\22 " in inner and "\\3C " in inner and "\\A " in inner and "\\5C " in inner


def test_css_string_keeps_plain_text_readable():
    assert str(css_string("Reviewed 2026-11-01 · Clinic")) == '"Reviewed 2026-11-01 · Clinic"'
