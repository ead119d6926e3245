"""Every word of a Spanish output is Spanish (issue 11): the patient handout, the large-print
handout, a custom `publish summary --lang es` with a clinic profile, the Spanish web page and
e-book, and the Spanish parts of the bilingual web page and e-book. Each is read whole (text,
alt text, labels, metadata; tests/reader_words.py) and must hold none of the English words
the templates and the code write: those of every catalog message (the words its Spanish
translation does not also use) and a list of known English template words. The clinic's and
publisher's names and the clinic's street address are names, not words of a language."""
from __future__ import annotations

import re
import shutil

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

import publish
from conftest import ROOT
from publisher.build import BuildOptions, Project, build_editions
from reader_words import english_words, reader_text

TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
RIVERSIDE = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
#: English words the templates and the code have written into Spanish outputs, or could.
KNOWN = {"and", "more", "section", "sections", "custom", "handout", "summary", "large", "print", "peer",
         "reviewed", "review", "research", "guideline", "clinical", "consensus", "expert", "government",
         "organization", "professional", "textbook", "other", "source", "phone", "page", "of", "the",
         "contents", "please", "read", "first", "translation", "not", "yet", "next", "version", "with",
         "without", "open", "day", "night", "food", "housing", "services", "team", "county", "help", "line",
         "community", "clinic", "patient", "patients", "clinician", "booklet", "printed", "paper", "letter",
         "cover", "title", "about", "published", "for", "website", "address", "scan", "code", "opens"}
#: Names: the same in every language.
NAMES = ("Riverside Family Health", "42 River Road, Springfield, IL 62701", "100 Main Street, Springfield",
         "Clinic Handouts Project")


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{2,}", re.sub(r"%\(\w+\)[sd]|\{\w+\}", " ", text))}


def _texts(value) -> str:
    return " ".join(value) if isinstance(value, (tuple, list)) else value or ""


@pytest.fixture(scope="module")
def vocabulary() -> set[str]:
    """The English words of every catalog message that its Spanish translation does not use,
    with the known English template words."""
    with open(ROOT / "layouts" / "locales" / "messages.pot", "rb") as f:
        english = set().union(*(_words(_texts(m.id)) for m in read_po(f) if m.id))
    with open(ROOT / "layouts" / "locales" / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        spanish = set().union(*(_words(_texts(m.string)) for m in read_po(f) if m.id))
    return (english - spanish) | KNOWN


@pytest.fixture(scope="module")
def spanish_files(tmp_path_factory):
    """The Spanish outputs, built once: the bundled topic's patient handouts and the Spanish
    parts of its bilingual web page and e-book; the tiny topic (with a reference, so the
    reference list shows its type) as a web page and an e-book; and a custom Spanish summary
    of six sections (its title counts the rest) with the Riverside clinic profile."""
    out = tmp_path_factory.mktemp("spanish-words")
    result = build_editions(Project(ROOT), BuildOptions(
        topics=["neuroplasticity"], langs=["es"], cache=False, out_dir=out / "handouts",
        editions=["patient-handout", "patient-handout-large-print", "patient-handout-bilingual-web",
                  "patient-handout-bilingual-epub"]))
    files = {o.path.name: o.path for o in result.outputs}
    tiny = shutil.copytree(TINY, out / "topics" / "tiny")
    topic_yaml = tiny / "topic.yaml"
    topic_yaml.write_text(topic_yaml.read_text(encoding="utf-8") + "references:\n  - title: Sleep and health\n"
                          "    type: peer_reviewed_review\n", encoding="utf-8")
    result = build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[tiny.parent], langs=["es"],
                                                        cache=False, out_dir=out / "handouts",
                                                        editions=["web", "booklet"]))
    files.update({o.path.name: o.path for o in result.outputs})
    summary = out / "summary.es.pdf"
    sections = ["research", "exercise-and-neuroplasticity", "psychotherapy-and-brain-change", "misconceptions",
                "misconception-positive-thinking", "misconception-always-positive"]
    run = CliRunner().invoke(publish.cli, ["summary", "neuroplasticity", "--root", str(ROOT), "--audience", "patient",
                                           "--lang", "es", "--clinic", str(RIVERSIDE), "-o", str(summary)]
                             + [a for s in sections for a in ("--section", s)])
    assert run.exit_code == 0, run.output
    files[summary.name] = summary
    return files


EXPECTED = ["neuroplasticity-patient-handout.es.pdf", "neuroplasticity-patient-handout-large-print.es.pdf",
            "neuroplasticity-patient-handout-bilingual-web.html", "neuroplasticity-patient-handout-bilingual-epub.epub",
            "tiny-web.es.html", "tiny-booklet.es.epub", "summary.es.pdf"]


@pytest.mark.parametrize("name", EXPECTED)
def test_no_english_template_word_in_a_spanish_output(spanish_files, vocabulary, name):
    text = reader_text(spanish_files[name], keep="es")
    for proper in NAMES:
        text = text.replace(proper, " ")
    assert len(text.split()) > 50, text  # the file was read
    assert english_words(text, vocabulary) == []


def test_the_words_that_were_english_are_now_spanish(spanish_files):
    """The custom title's count, the custom edition's name, the reference type, the clinic's
    words from its Spanish profile, and the phone label."""
    summary = reader_text(spanish_files["summary.es.pdf"])
    assert "Mito: Basta con pensar en positivo; y 1 sección más" in summary
    assert "Hoja personalizada para pacientes" in summary
    assert "Equipo de Crisis del Condado de Riverside: +1 217-555-0199 (abierto de día y de noche)" in summary
    assert "Teléfono +1 (217) 555-0142" in summary
    web = reader_text(spanish_files["tiny-web.es.html"])
    assert "(Revisión de estudios revisada por expertos)" in web and "Sleep and health" not in web
    assert "(Revisión de estudios revisada por expertos)" in reader_text(spanish_files["tiny-booklet.es.epub"])


def test_a_cited_title_is_marked_with_its_own_language(spanish_files):
    """Reference titles are not translated: in a Spanish page each is marked English, so a
    screen reader reads it in English (and the scan above leaves it out)."""
    page = spanish_files["tiny-web.es.html"].read_text(encoding="utf-8")
    assert '<span class="ref-title" lang="en-US" xml:lang="en-US">Sleep and health</span>' in page


def test_an_untranslated_clinic_profile_is_marked_english_in_the_crisis_box(tmp_path):
    """Without riverside.es.yaml the local crisis lines are the profile's English words: the
    Spanish page marks them (and the clinic's name) lang="en"."""
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    for name in ("riverside.yaml", "riverside-logo.svg"):
        shutil.copy(RIVERSIDE.parent / name, clinic / name)
    result = build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[TINY.parent], langs=["es"],
                                                        clinic_file=clinic / "riverside.yaml", cache=False,
                                                        out_dir=tmp_path / "out", editions=["web"]))
    (page,) = [o.path for o in result.outputs]
    html = page.read_text(encoding="utf-8")
    assert '<ul class="local-crisis" lang="en" xml:lang="en">' in html
    assert 'Ayuda cerca de <span lang="en" xml:lang="en">Riverside Family Health</span>:' in html
    assert reader_text(page, keep="es").count("open day and night") == 0
    assert "open day and night" in reader_text(page, keep="en")
