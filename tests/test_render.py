"""render: css_string puts text from content and clinic profiles into a <style> element; the
running footer is measured for printed editions only."""
from publisher.render import css_string


def test_css_string_escapes_quotes_markup_and_line_breaks():
    out = str(css_string('Dr "Lee" </style><script>\\ A\nB'))
    assert out.startswith('"') and out.endswith('"')
    inner = out[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    assert "\\22 " in inner and "\\3C " in inner and "\\A " in inner and "\\5C " in inner


def test_css_string_keeps_plain_text_readable():
    assert str(css_string("Reviewed 2026-11-01 · Clinic")) == '"Reviewed 2026-11-01 · Clinic"'


def test_only_printed_editions_measure_a_running_footer(monkeypatch):
    """The running footer is measured with the footer font (fontTools) for a printed edition
    only: an e-book or a web page has no footer, and rendering one measures nothing."""
    from pathlib import Path

    from publisher import render
    from publisher.clinic import read_clinic
    from publisher.project import Project, load_editions, load_topics
    from publisher.select import select_sections

    from conftest import ROOT, TINY_TOPIC
    project = Project(Path(ROOT))
    topic = load_topics(project, extra_dirs=[TINY_TOPIC])["tiny"]
    editions, clinic = load_editions(project), read_clinic(project.default_clinic)
    measured = []
    real = render.footer_lines
    monkeypatch.setattr(render, "footer_lines", lambda *a, **k: measured.append(a) or real(*a, **k))
    for edition in ("booklet", "web"):
        render.render_edition(select_sections(topic, editions[edition]), clinic=clinic,
                              layouts_dir=project.layouts_dir)
    assert measured == []
    render.render_edition(select_sections(topic, editions["patient-handout"]), clinic=clinic,
                          layouts_dir=project.layouts_dir)
    assert measured


def test_the_footer_is_measured_in_print_css_regular_face(tmp_path):
    """The footer font is the @font-face of print.css with normal weight and style (one place
    names the file); a print.css without one is a t-001 naming it."""
    import pytest

    from publisher import render
    from publisher.errors import TemplateError

    from conftest import ROOT
    assert render._footer_font(ROOT / "layouts").name == "AtkinsonHyperlegible-Regular.ttf"
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "print.css").write_text(
        '@font-face { font-family: "X"; src: url("../fonts/X-Bold.ttf"); font-weight: bold; }\n', encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        render._footer_font(tmp_path)
    assert raised.value.findings[0].code == "t-001" and "print.css" in str(raised.value.findings[0].file)
