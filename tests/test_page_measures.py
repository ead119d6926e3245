"""Issue 12, the measures of the page in every edition, language and paper: lines of 45-80
characters on average in each language (Letter and A4), blank gaps inside a column (g-011),
the page checks of `publish check` on a PDF alone, the printed booklet's first page and the
large-print footer.

Documents are rendered in memory (the writer's own `render_document`, the layout the build
checks) and measured with `publisher.verify.layout`; builds go to tmp_path folders."""
from __future__ import annotations

from dataclasses import replace

import pytest

from publisher.clinic import read_clinic
from publisher.project import load_editions, load_topics
from publisher.render import render_edition
from publisher.select import select_sections
from publisher.translations import select_bilingual, select_in
from publisher.verify import layout
from publisher.writers.pdf import render_document

from conftest import SLEEP_TOPIC, TINY_TOPIC


@pytest.fixture(scope="module")
def topics(project):
    return load_topics(project, ["neuroplasticity", "sleep-hygiene", "tiny"], extra_dirs=[SLEEP_TOPIC, TINY_TOPIC])


@pytest.fixture(scope="module")
def editions(project):
    return load_editions(project)


def laid_out(project, doc):
    """The laid-out pages of one document, as the build checks them."""
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)
    document, _ = render_document(rendered)
    return document, layout.measure(document)


def selection(topics, editions, topic: str, edition: str, lang: str | None, paper: str):
    edition_ = editions[edition]
    if edition_.bilingual:
        doc = select_bilingual(topics[topic], edition_)
    elif lang:
        doc = select_in(topics[topic], edition_, lang)
    else:
        doc = select_sections(topics[topic], edition_)
    return replace(doc, paper=paper)


# --- 3. line length: 45-80 characters in every language, on Letter and A4 -------------------

@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("edition,lang", [("patient-handout", None), ("patient-handout", "es"),
                                          ("patient-handout-bilingual", None)])
def test_two_column_handouts_average_45_to_80_characters_a_line_in_each_language(project, topics, editions,
                                                                                 edition, lang, paper):
    """The two-column handouts are the narrow ones (Spanish A4 averaged 43-44 with Letter's
    margins); the bilingual handout is measured per language part."""
    _, measured = laid_out(project, selection(topics, editions, "neuroplasticity", edition, lang, paper))
    averages = layout.average_lines(measured)
    expected = {"en-US", "es"} if edition.endswith("bilingual") else {lang or "en-US"}
    assert set(averages) == expected
    for value in averages.values():
        assert 45 <= value <= 80, averages
    assert not [f for f in layout.check_measure(measured)]
    # On A4 the side margins are narrower than on Letter (A4 is 0.23 in narrower): the
    # columns are as wide on both papers.
    page = measured.pages[0]
    widths = {round((c.width * layout.PT) / 72, 2) for c in page.columns}
    assert all(3.65 <= w <= 3.8 for w in widths), widths


def test_measure_is_checked_in_each_language_of_a_bilingual_handout(project, topics, editions, tmp_path):
    """g-008 names the Spanish half when only its lines are short (a narrower second sheet)."""
    layouts = tmp_path / "layouts"
    import shutil
    shutil.copytree(project.layouts_dir, layouts)
    css = layouts / "styles" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.second-language .flow { padding-right: 1.6in; }\n",
                   encoding="utf-8")
    doc = selection(topics, editions, "neuroplasticity", "patient-handout-bilingual", None, "letter")
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=layouts)
    document, _ = render_document(rendered)
    measured = layout.measure(document)
    averages = layout.average_lines(measured)
    assert averages["en-US"] >= 45 and averages["es"] < 45
    found = layout.check_measure(measured)
    assert len(found) == 1 and found[0].code == "g-008" and "section 'es-" in found[0].message
