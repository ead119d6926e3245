"""Reading level, measured on the rendered outputs (publisher/verify/readability.py)."""
import io
import re
import socket
import zipfile

import pikepdf
import pytest
from lxml import etree

from publisher.build import BuildOptions, build_editions, load_editions, load_topics
from publisher.errors import ChecksFailed
from publisher.render import render_edition
from publisher.clinic import read_clinic
from publisher.select import select_sections
from publisher.verify import readability
from publisher.verify.readability import Score, score_blocks, score_text, syllables
from publisher.verify.pdfread import pdf_blocks
from publisher.verify.text import Block, element_blocks, words

from conftest import output

PATIENT = ("neuroplasticity", "patient-handout")


# -- counting ------------------------------------------------------------------------------

def test_syllables_come_from_the_cmu_dictionary_with_a_fixed_fallback():
    assert [syllables(w) for w in ("brain", "change", "therapy", "anxiety", "everyday")] == [1, 1, 3, 4, 3]
    assert syllables("long-term") == syllables("long") + syllables("term") == 2
    assert score_text("Call or text 988.").words == 3  # numbers are left out of the counts
    assert syllables("brain's") == 1
    # Not in the dictionary: the vowel-group rule, the same on every machine.
    assert readability._dictionary().get("neuroplasticity") is None
    assert syllables("neuroplasticity") == readability.guess_syllables("neuroplasticity") == 6


def test_the_dictionary_loads_without_network(monkeypatch):
    """textstat 0.7.5+ downloads NLTK's cmudict at first use; ours must work offline."""
    def no_network(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    readability._dictionary.cache_clear()
    readability.syllables.cache_clear()
    try:
        assert syllables("hippocampus") == 4
    finally:
        readability._dictionary.cache_clear()
        readability.syllables.cache_clear()


def test_flesch_kincaid_and_smog_by_hand():
    score = score_text("The cat sat on the mat. It was a happy cat.")
    assert score == Score(sentences=2, words=11, syllables=12, polysyllables=0)
    assert score.fk_grade == pytest.approx(0.39 * 11 / 2 + 11.8 * 12 / 11 - 15.59)
    assert score.smog == pytest.approx(3.1291)
    hard = score_text("Neuroplasticity fundamentally reorganizes interconnected neural architecture.")
    assert hard.polysyllables == 5 and hard.fk_grade > 20  # all but "neural"


def test_each_heading_and_list_item_is_a_sentence():
    blocks = [Block("heading", "What helps your brain", 2), Block("item", "Get enough sleep"),
              Block("item", "Stay active"), Block("para", "Sleep helps. So does exercise!")]
    assert score_blocks(blocks).sentences == 5
    # Without the rule the same words would read as one long sentence: a higher grade.
    as_one = score_text("What helps your brain Get enough sleep Stay active Sleep helps. So does exercise!")
    assert as_one.fk_grade > score_blocks(blocks).fk_grade


# -- the built patient handout -------------------------------------------------------------

@pytest.fixture(scope="module")
def handout(built, project):
    path = output(built, *PATIENT)
    topic = load_topics(project)["neuroplasticity"]
    doc = select_sections(topic, load_editions(project)["patient-handout"])
    return path, doc, readability.measure(doc, path.read_bytes())


def test_patient_handout_meets_its_reading_targets(handout, project):
    path, doc, reading = handout
    edition = load_editions(project)["patient-handout"]
    assert (edition.grade_max, edition.section_grade_max) == (6, 8)
    assert reading.missing == ()
    measured = [s.id for s in reading.sections] + [m for s in reading.sections for m in s.merged]
    assert sorted(measured) == sorted(s.id for s in doc.all_sections())
    for section in reading.sections:
        assert round(section.score.fk_grade, 1) <= 8, section.id
        assert section.score.words > 0
    assert round(reading.whole.fk_grade, 1) <= 6
    assert reading.whole.words == sum(s.score.words for s in reading.sections)
    assert readability.check(reading, edition, name=str(path)) == []


def test_measured_text_leaves_out_footer_and_title_block(handout):
    path, doc, reading = handout
    text = " ".join(b.text for b in pdf_blocks(path.read_bytes()))
    assert "Please read first" in text  # the content is there ...
    assert "Page 1 of 2" not in text and "Page 2 of 2" not in text  # ... the footers are not
    parts, _ = readability.split_sections(pdf_blocks(path.read_bytes()), doc)
    measured = " ".join(b.text for blocks in parts for b in blocks)
    assert "Community Health Clinic" not in measured and "Next review" not in measured


def test_pdf_blocks_match_the_html_that_was_rendered(handout, project):
    """The PDF's structure tree gives the same words, section by section, as the HTML that
    weasyprint laid out: nothing lost, nothing from the page furniture added."""
    path, doc, _ = handout
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)
    html_root = etree.HTML(rendered.html.encode("utf-8")).find(".//main")
    from_html, _ = readability.split_sections(element_blocks(html_root), doc)
    from_pdf, _ = readability.split_sections(pdf_blocks(path.read_bytes()), doc)
    assert len(from_html) == len(from_pdf) == len(list(doc.all_sections()))
    for section, html_blocks, pdf_blocks_ in zip(doc.all_sections(), from_html, from_pdf):
        assert words(" ".join(b.text for b in pdf_blocks_)) == words(" ".join(b.text for b in html_blocks)), section.id
    assert [b.level for b in pdf_blocks(path.read_bytes()) if b.kind == "heading"][:3] == [1, 2, 2]


def test_measured_grade_is_in_the_pdf_xmp(handout, built):
    path, _, reading = handout
    with pikepdf.open(path) as pdf:
        with pdf.open_metadata() as meta:
            assert meta["{http://schema.org/}educationalLevel"] == reading.whole.describe()
            assert meta["pdfuaid:part"] == "1" and meta["dc:title"]  # PDF/UA identification kept
        assert "/ID" in pdf.trailer
    _, result = built
    out = next(o for o in result.outputs if (o.topic, o.edition) == PATIENT)
    assert out.grade == pytest.approx(reading.whole.fk_grade)
    assert re.fullmatch(r"Flesch-Kincaid grade \d+\.\d", reading.whole.describe())


def test_editions_without_targets_are_not_stamped(built):
    with pikepdf.open(output(built, "neuroplasticity", "clinician-summary")) as pdf:
        with pdf.open_metadata() as meta:
            assert "{http://schema.org/}educationalLevel" not in meta


def test_clinician_summary_is_measured_too_and_reads_dense(built, project):
    """No target, but the same measurement works on it (the table cells are sentences)."""
    topic = load_topics(project)["neuroplasticity"]
    doc = select_sections(topic, load_editions(project)["clinician-summary"])
    reading = readability.measure(doc, output(built, "neuroplasticity", "clinician-summary").read_bytes())
    assert reading.missing == ()
    assert reading.whole.fk_grade > 12


# -- the gate ------------------------------------------------------------------------------

HARD = ("Neuroplastic reorganization necessitates sustained, repeated engagement with evidence-based "
        "therapeutic interventions, particularly cognitive behavioral methodologies, whose "
        "neurobiological mechanisms substantially facilitate long-term potentiation.")


def test_a_hard_paragraph_fails_the_build_with_the_section_id_and_grade(project_copy, tmp_path):
    variant = (project_copy.source_dir / "neuroplasticity" / "sections" / "07-clinical-implications"
               / "02-repetition-matters.patient.md")
    text = variant.read_text(encoding="utf-8")
    variant.write_text(text.split("---\n", 2)[0] + "---\n" + text.split("---\n", 2)[1] + "---\n" + HARD + "\n",
                       encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ChecksFailed) as info:
        build_editions(project_copy, BuildOptions(editions=["patient-handout"], out_dir=out, langs=["en"]))
    r001 = [f for f in info.value.findings if f.code == "r-001"]
    assert len(r001) == 1
    message = r001[0].message
    assert "section 'repetition-matters'" in message and "the target of 'patient-handout' is 8" in message
    grade = float(re.search(r"Flesch-Kincaid grade (\d+\.\d)", message).group(1))
    assert grade > 8
    assert r001[0].file.endswith("02-repetition-matters.patient.md")
    assert not (out / "neuroplasticity" / "neuroplasticity-patient-handout.pdf").exists()


def test_the_whole_text_target_is_checked_too(project_copy, tmp_path):
    editions = project_copy.editions_file
    editions.write_text(editions.read_text().replace("fk_grade_max: 6,", "fk_grade_max: 3,"), encoding="utf-8")
    with pytest.raises(ChecksFailed) as info:
        build_editions(project_copy, BuildOptions(editions=["patient-handout"], out_dir=tmp_path / "out"))
    codes = [f.code for f in info.value.findings]
    assert codes == ["r-002"]
    assert "the target of 'patient-handout' is 3 or lower" in info.value.findings[0].message


def test_a_missing_heading_is_reported_not_silently_skipped(handout):
    path, doc, _ = handout
    blocks = [b for b in pdf_blocks(path.read_bytes()) if b.text != "Talk therapy"]
    reading = readability.measure_blocks(blocks, doc)
    assert reading.missing  # everything from the lost heading on cannot be placed
    edition = doc.edition
    findings = readability.check(reading, edition, name="x.pdf")
    assert findings[0].code == "r-003" and "psychotherapy-and-brain-change" in findings[0].message


def test_patient_epub_gets_schema_educational_level(project_copy, tmp_path):
    editions = project_copy.editions_file
    editions.write_text(editions.read_text() + """
patient-ebook:
  title: Patient e-book
  format: epub
  audience: patient
  variant: patient
  tag: handout
  layout: booklet
  reading_level:
    en: {fk_grade_max: 6, section_fk_grade_max: 8}
  references: false
""", encoding="utf-8")
    result = build_editions(project_copy, BuildOptions(editions=["patient-ebook"], out_dir=tmp_path / "out"))
    data = result.outputs[0].path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))
        assert z.namelist()[0] == "mimetype"
    levels = opf.xpath("//opf:meta[@property='schema:educationalLevel']/text()",
                       namespaces={"opf": "http://www.idpf.org/2007/opf"})
    _, edition, reading = result.readings[0]
    assert levels == [reading.whole.describe()]
    assert reading.missing == () and round(reading.whole.fk_grade, 1) <= 6
