"""Edition definitions: page budgets, reading-level targets and tags in editions.yaml."""
import pikepdf
import pytest

from publisher.build import BuildOptions, build_editions, load_editions
from publisher.editions import read_editions
from publisher.errors import ChecksFailed, ContentError

from conftest import ROOT, output


def test_bundled_editions_declare_budgets_and_targets(project):
    editions = load_editions(project)
    handout, summary = editions["patient-handout"], editions["clinician-summary"]
    assert (handout.max_pages, handout.grade_max, handout.section_grade_max) == (2, 6, 8)
    assert (handout.variant, handout.tag, handout.paper) == ("patient", "handout", "letter")
    assert (summary.max_pages, summary.variant, summary.tag) == (2, "clinician", "summary")
    assert summary.grade_max is None and editions["booklet"].tag is None


@pytest.mark.parametrize("topic", ["neuroplasticity", "sleep-hygiene"])
@pytest.mark.parametrize("edition", ["patient-handout", "clinician-summary"])
def test_pdfs_meet_their_page_budget_on_us_letter(built, topic, edition):
    with pikepdf.open(output(built, topic, edition)) as pdf:
        assert len(pdf.pages) <= 2
        assert [round(float(x)) for x in pdf.pages[0].MediaBox[2:]] == [612, 792]
    _, result = built
    assert next(o for o in result.outputs if (o.topic, o.edition) == (topic, edition)).pages <= 2


def test_bundled_pdfs_use_their_whole_budget(built):
    """One sheet printed on both sides: the handout and the summary each fill two pages."""
    for edition in ("patient-handout", "clinician-summary"):
        with pikepdf.open(output(built, "neuroplasticity", edition)) as pdf:
            assert len(pdf.pages) == 2


def test_over_budget_fails_with_page_count_and_limit(project_copy, tmp_path):
    editions = project_copy.editions_file
    editions.write_text(editions.read_text().replace("max_pages: 2          # one sheet",
                                                     "max_pages: 1          # one sheet"), encoding="utf-8")
    with pytest.raises(ChecksFailed) as info:
        build_editions(project_copy, BuildOptions(editions=["patient-handout"], out_dir=tmp_path / "out",
                                                  langs=["en"]))
    [problem] = info.value.findings
    assert problem.code == "p-012"
    assert problem.message == ("'patient-handout' of topic 'neuroplasticity' renders to 2 pages; "
                               "the edition's limit is 1 (max_pages in editions.yaml)")
    assert not any(tmp_path.rglob("*.pdf"))


def write_editions(tmp_path, body: str):
    path = tmp_path / "editions.yaml"
    path.write_text(body, encoding="utf-8")
    return path


BASE = """handout:
  title: Handout
  format: pdf
  audience: patient
  layout: patient-handout
"""


@pytest.mark.parametrize("extra,message", [
    ("  reading_level: {en: {fk_grade_max: six}}\n",
     "reading_level: 'en.fk_grade_max' must be a number between 1 and 20, got 'six'"),
    ("  reading_level: {en: {section_fk_grade_max: 0}}\n",
     "reading_level: 'en.section_fk_grade_max' must be a number between 1 and 20, got 0"),
    ("  reading_level: {en: {fk_grade_max: true}}\n",
     "reading_level: 'en.fk_grade_max' must be a number between 1 and 20, got True"),
    ("  reading_level: {es: {fk_grade_max: 6}}\n", "reading_level: 'es' has no target 'fk_grade_max'"),
    ("  reading_level: {es: {inflesz_max: 65}}\n", "reading_level: 'es' has no target 'inflesz_max'"),
    ("  reading_level: {xx: {fk_grade_max: 6}}\n", "reading_level: no reading-level formula for language 'xx'"),
    ("  reading_level: 6\n", "'reading_level' must be a block of languages, each with its targets, got 6"),
    ("  max_pages: true\n", "'max_pages' must be a whole number above 0, got True"),
    ("  tag: Hand Out\n", "'tag' must be a tag name, got 'Hand Out'"),
])
def test_bad_edition_fields_are_reported_with_file_and_line(tmp_path, extra, message):
    path = write_editions(tmp_path, BASE + extra)
    with pytest.raises(ContentError) as info:
        read_editions(path, ROOT / "layouts")
    [problem] = info.value.findings
    assert (problem.code, problem.message, problem.line) == ("d-001", message, 6)


def test_reading_level_targets_per_language(tmp_path):
    path = write_editions(tmp_path, BASE + "  reading_level:\n    en: {fk_grade_max: 6.5, section_fk_grade_max: 8}\n"
                                           "    es-MX: {inflesz_min: 65}\n  tag: handout\n")
    edition = read_editions(path, ROOT / "layouts")["handout"]
    assert (edition.grade_max, edition.section_grade_max, edition.tag) == (6.5, 8.0, "handout")
    assert [(t.lang, t.key, t.value) for t in edition.reading_level] == [
        ("en", "fk_grade_max", 6.5), ("en", "section_fk_grade_max", 8.0), ("es", "inflesz_min", 65.0)]
    [inflesz] = edition.targets("es", "whole")
    assert inflesz.missed_by(64.94) and not inflesz.missed_by(64.96)


@pytest.mark.parametrize("edition", ["booklet-print", "booklet", "patient-handout"])
def test_an_unknown_format_is_a_d001_even_for_an_edition_another_takes_pages_from(tmp_path, edition):
    """`format: docx` on the PDF edition an EPUB takes its page numbers from (or on the EPUB
    itself) is the same coded d-001 as on any edition, never a KeyError."""
    import re
    text = (ROOT / "source" / "editions.yaml").read_text(encoding="utf-8")
    block = re.search(rf"^{re.escape(edition)}:\n(?:  .*\n|\n)*", text, re.M)
    changed = block.group(0).replace("  format: pdf\n", "  format: docx\n").replace("  format: epub\n",
                                                                                      "  format: docx\n")
    path = tmp_path / "editions.yaml"
    path.write_text(text.replace(block.group(0), changed), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_editions(path, ROOT / "layouts")
    assert any(f.code == "d-001" and "format 'docx' is unknown" in f.message for f in caught.value.findings), \
        [f.message for f in caught.value.findings]
