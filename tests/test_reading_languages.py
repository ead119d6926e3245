"""Reading level measured right (issue 11): sentences that know abbreviations, numbers and
addresses left out, and each language measured with its own formulas, or not at all."""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from publisher.clinic import read_clinic
from publisher.findings import Severity
from publisher.model import ReadingTarget
from publisher.project import Project, load_editions
from publisher.read import read_topic
from publisher.select import select_sections
from publisher.verify import readability
from publisher.verify.readability import score_text, split_sentences, syllables
from publisher.verify.text import Block

from conftest import make_output

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"

# Issue 11's first case: 34 words with "a.m.", "p.m.", "Dr." and "e.g.".
ABBREVIATED = ("Take the medicine at 8 a.m. and again at 8 p.m. unless Dr. Patel tells you a different schedule "
               "for particular treatments, e.g. pain relievers or herbal products that can interact with its effects.")
# The same sentence as a reader says it (numbers and a.m./p.m. are left out of the counts).
SAID = ("Take the medicine at and again at unless doctor Patel tells you a different schedule "
        "for particular treatments, for example pain relievers or herbal products that can interact with its effects.")


def test_abbreviations_do_not_end_the_sentence():
    assert len(ABBREVIATED.split()) == 34
    assert len(re.split(r"(?<=[.!?])\s+", ABBREVIATED)) == 5  # what a naive split (the old rule) found
    assert split_sentences(ABBREVIATED) == [ABBREVIATED]
    score = score_text(ABBREVIATED)
    assert score.sentences == 1
    assert score == score_text(SAID)
    assert score.fk_grade == pytest.approx(16.4, abs=0.5)  # not 7.1, as five short sentences


def test_a_phone_number_is_not_a_long_word():
    """Issue 11's second case: it failed the build at grade 10.4."""
    score = score_text("Call 1-800-555-0100 if you have a fever.")
    assert score == score_text("Call if you have a fever.")
    assert round(score.fk_grade, 1) == 0.5
    assert score_text("Call (555) 123-4567 or 988 now.").words == 3


def test_addresses_times_doses_and_dates_are_left_out_and_units_are_said():
    assert score_text("Visit www.988lifeline.org or write to help@clinic.org.").words == 4  # visit or write to
    assert score_text("Visit https://example.org/a.b/c today.").words == 2
    take = score_text("Take 5 mg at 9:30 a.m. on 11/1/2026.")
    assert take == score_text("Take milligrams at on.")
    assert score_text("Walk 20 minutes, 50% of days.") == score_text("Walk minutes, percent of days.")
    assert score_text("The 2.5 mg dose is new.").sentences == 1


def test_a_sentence_ends_after_a_m_when_a_new_one_starts():
    assert split_sentences("Come at 9 a.m. The clinic opens then.") == ["Come at 9 a.m.", "The clinic opens then."]
    assert split_sentences("Ask J. Smith. She knows.") == ["Ask J. Smith.", "She knows."]
    assert split_sentences("Bring pills, cream, etc. and your card.") == ["Bring pills, cream, etc. and your card."]


# -- Spanish -------------------------------------------------------------------------------

def test_spanish_syllables_follow_the_spanish_rules():
    counts = {w: syllables(w, "es") for w in ("tratamiento", "país", "ciudad", "psicología", "aéreo", "llame", "día")}
    assert counts == {"tratamiento": 4, "país": 2, "ciudad": 2, "psicología": 5, "aéreo": 4, "llame": 2, "día": 2}
    assert syllables("tratamiento", "en") != 4 or syllables("día", "en") != 2  # not the English rules


def test_inflesz_and_fernandez_huerta_by_hand():
    score = score_text("El sol sale. La casa es azul.", "es")
    # El sol sa-le. La ca-sa es a-zul: 7 words, 10 syllables.
    assert (score.sentences, score.words, score.syllables, score.lang) == (2, 7, 10, "es")
    assert score.inflesz == pytest.approx(206.835 - 62.3 * 10 / 7 - 7 / 2)
    assert score.fernandez_huerta == pytest.approx(206.84 - 60 * 10 / 7 - 1.02 * 7 / 2)
    assert score.describe() == f"INFLESZ {score.inflesz:.1f} (muy fácil)"


def test_spanish_abbreviations_and_numbers():
    text = "Tome la pastilla a las 8 a. m. y a las 8 p. m. Pregunte a la Dra. López por otros remedios, p. ej. vitaminas."
    assert split_sentences(text, "es") == [
        "Tome la pastilla a las 8 a. m. y a las 8 p. m.",
        "Pregunte a la Dra. López por otros remedios, p. ej. vitaminas."]
    assert score_text("Llame al 1-800-555-0100 si tiene fiebre.", "es") == score_text("Llame al si tiene fiebre.", "es")


def test_the_issue_s_spanish_disclaimer_reads_easy_in_spanish_not_grade_8():
    disclaimer = ("Este folleto le da información general. No sustituye la atención de su médico. "
                  "Si tiene preguntas sobre su salud, hable con su médico o enfermera.")
    spanish = score_text(disclaimer, "es")
    assert spanish.inflesz >= 65  # "bastante fácil" or easier
    assert score_text(disclaimer, "en").fk_grade > score_text(
        "This handout gives you general information. It does not replace care from your doctor. "
        "If you have questions about your health, talk with your doctor or nurse.").fk_grade + 2


# -- each language with its own formula, or a warning ---------------------------------------

@pytest.fixture(scope="module")
def tiny_doc():
    project = Project(ROOT)
    edition = load_editions(project)["patient-handout"]
    return select_sections(read_topic(TINY), edition)


def blocks_for(doc, texts: dict[str, tuple[str, str]]) -> list[Block]:
    """Heading and paragraph blocks for sections: {section id: (lang, paragraph)}."""
    out = []
    for section in doc.all_sections():
        lang, text = texts.get(section.id, ("en", "You can rest."))
        out += [Block("heading", section.body.title, 2, lang), Block("para", text, 0, lang)]
    return out


def test_each_section_is_measured_in_its_own_language(tiny_doc):
    hard_es = ("La neuroplasticidad representa fundamentalmente la capacidad extraordinariamente adaptativa "
               "del sistema nervioso central ante modificaciones ambientales considerablemente complejas.")
    reading = readability.measure_blocks(blocks_for(tiny_doc, {"about": ("es-MX", hard_es)}), tiny_doc)
    by_lang = {(s.id, s.lang) for s in reading.sections}
    assert ("about", "es") in by_lang and ("disclaimer", "en") in by_lang
    assert [s.lang for s in reading.languages] == ["en", "es"]
    found = readability.check(reading, tiny_doc.edition, name="x.pdf")
    [section] = [f for f in found if f.code == "r-001"]
    assert "section 'about' in 'es' reads at INFLESZ" in section.message
    assert "the target of 'patient-handout' for 'es' is 55 or higher" in section.message
    assert {f.code for f in found} == {"r-001", "r-002"}  # the Spanish whole text (one section) too
    assert "Flesch-Kincaid grade" in reading.describe() and "INFLESZ" in reading.describe()


def test_a_language_without_a_formula_warns_and_is_never_measured_in_english(tiny_doc):
    arabic = "اتصل بالرقم 988 إذا كنت في أزمة."
    for lang, text in (("ar", arabic), ("en", arabic), ("fr", "Appelez le 988 si vous êtes en crise.")):
        reading = readability.measure_blocks(blocks_for(tiny_doc, {"about": (lang, text)}), tiny_doc)
        about = [s.score.words for s in reading.sections if s.id == "about"]
        assert about == ([2] if lang == "en" else [])  # at most its heading "About Sleep", in English
        assert [l for l, _ in reading.unmeasured] == [lang]
        assert [s.lang for s in reading.languages] == ["en"]  # the other sections
        found = readability.check(reading, tiny_doc.edition, name="x.pdf")
        [warning] = [f for f in found if f.code == "r-004"]
        assert warning.severity == Severity.WARNING and f"in '{lang}' cannot be measured" in warning.message


def test_a_language_with_a_formula_but_no_target_is_reported(tiny_doc):
    edition = replace(tiny_doc.edition, reading_level=(ReadingTarget("en", "fk_grade", "whole", "max", 6),))
    reading = readability.measure_blocks(blocks_for(tiny_doc, {"about": ("es", "Duerma bien.")}), tiny_doc)
    found = readability.check(reading, edition, name="x.pdf")
    assert [(f.code, f.severity) for f in found] == [("r-005", Severity.WARNING)]
    assert "sets no reading-level target for 'es'" in found[0].message


# -- measured on the built file, written into its metadata -----------------------------------

@pytest.fixture(scope="module")
def spanish_tiny(tmp_path_factory):
    """The tiny topic written in Spanish (topic language es), rendered as the patient handout."""
    folder = tmp_path_factory.mktemp("es") / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "topic.yaml").write_text((TINY / "topic.yaml").read_text().replace("en-US", "es"), encoding="utf-8")
    sections = folder / "sections"
    (sections / "01-disclaimer.yaml").write_text(
        (sections / "01-disclaimer.yaml").read_text().replace(
            "This sheet is to help you learn. It does not take the place of your doctor.",
            "Esta hoja le ayuda a aprender. No sustituye a su médico."), encoding="utf-8")
    (sections / "03-about.md").write_text(
        (sections / "03-about.md").read_text().replace("Sleep helps you feel well.", "Dormir bien le ayuda."),
        encoding="utf-8")
    project = Project(ROOT)
    doc = select_sections(read_topic(folder), load_editions(project)["patient-handout"])
    return doc, make_output(doc, clinic=read_clinic(project.default_clinic), project=project, name="es.pdf")


def test_the_built_pdf_is_measured_in_its_language_and_says_so_in_its_metadata(spanish_tiny):
    doc, rendered = spanish_tiny
    assert {b.lang for b in rendered.reading.blocks} == {"es"}  # the PDF's /Lang
    assert rendered.reading.whole.lang == "es" and rendered.reading.grade is None
    with pikepdf.open(io.BytesIO(rendered.data)) as pdf:
        level = pdf.open_metadata()["{http://schema.org/}educationalLevel"]
    assert level == rendered.reading.describe() and level.startswith("INFLESZ ")


def test_a_bilingual_edition_measures_each_half_in_its_language(tiny_doc):
    """English sections, then the other half's title block and the same sections in Spanish
    (numbered headings, as the bilingual layout prints them): each half in its own scale, the
    title block of the second half in neither."""
    doc = replace(tiny_doc, parallel=tiny_doc)
    english = blocks_for(doc, {})
    spanish = [Block("para", "Clínica de Salud Comunitaria extraordinariamente especializada", 0, "es"),
               Block("heading", "Folleto", 1, "es")]
    for number, section in enumerate(doc.all_sections(), start=1):
        spanish += [Block("heading", f"{number}. {section.body.title}", 2, "es"), Block("para", "Duerma bien.", 0, "es")]
    reading = readability.measure_blocks(english + spanish, doc)
    assert reading.missing == ()
    assert [(s.id, s.lang) for s in reading.sections] == [(s.id, lang) for lang in ("en", "es")
                                                          for s in doc.all_sections()]
    assert [s.lang for s in reading.languages] == ["en", "es"]
    assert "Clínica" not in " ".join(b.text for part in readability.split_sections(english + spanish, doc)[0]
                                     for b in part)
    assert reading.describe().startswith("Flesch-Kincaid grade ") and "; INFLESZ " in reading.describe()
