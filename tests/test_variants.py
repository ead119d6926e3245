"""Audience variants and tags in the content model; the safety blocks in every patient output."""
import dataclasses
import shutil

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from publisher.build import load_editions
from publisher.clinic import read_clinic
from publisher.errors import ContentError, EditionError
from publisher.read import read_topic
from publisher.render import render_edition
from publisher.select import select_sections
from publisher.verify.safety import check_safety
from publisher.verify.text import epub_text, html_text, pdf_text, words
from publisher.formats import get_format

from conftest import ROOT, SLEEP_TOPIC, output

TOPIC = read_topic(ROOT / "source" / "neuroplasticity")
ALL_IDS = sorted(s.id for s in TOPIC.all_sections())


@pytest.fixture(scope="module")
def editions(project):
    return load_editions(project)


def by_id(topic=TOPIC):
    return {s.id: s for s in topic.all_sections()}


# -- variants ------------------------------------------------------------------------------

def test_every_handout_section_has_a_patient_variant_and_summary_sections_a_clinician_one(editions):
    sections = by_id()
    for section_id, section in sections.items():
        if "handout" in section.tags:
            assert "patient" in section.variants, section_id
        if "summary" in section.tags:
            assert "clinician" in section.variants, section_id
    # The conditions table is the clinician version of "conditions": the booklet keeps the full text.
    assert "<table>" in sections["conditions"].variants["clinician"].html
    assert "<table>" not in sections["conditions"].body.html


def test_variant_title_overrides_and_body_is_the_variants(editions):
    doc = select_sections(TOPIC, editions["patient-handout"])
    chosen = {s.id: s for s in doc.all_sections()}
    assert chosen["disclaimer"].body.title == "Please read first"
    assert chosen["when-to-seek-help"].body.title == "When to get help"
    assert chosen["what-is-neuroplasticity"].body.title == "What is neuroplasticity?"
    assert "hippocampal" not in chosen["exercise-and-neuroplasticity"].body.html
    booklet = {s.id: s for s in select_sections(TOPIC, editions["booklet"]).all_sections()}
    assert booklet["disclaimer"].body.title == "Medical Disclaimer"  # the full text elsewhere
    assert "hippocampal volume" in booklet["exercise-and-neuroplasticity"].body.html


def test_structured_variant_keeps_the_keys_it_does_not_change(tmp_path):
    folder = tmp_path / "sleep-hygiene"
    shutil.copytree(SLEEP_TOPIC, folder)
    (folder / "sections" / "05-when-to-seek-help.patient.yaml").write_text(
        "intro: |\n  Ask for help if you notice these signs:\n", encoding="utf-8")
    section = by_id(read_topic(folder))["when-to-seek-help"]
    main, plain = section.body, section.variants["patient"]
    assert "Ask for help if you notice" in plain.intro_html
    assert plain.signs == main.signs and len(plain.signs) == 4  # from the main file
    assert plain.crisis_html == main.crisis_html and "988" in plain.crisis_html
    assert plain.title == main.title


def test_bundled_structured_variants_keep_the_988_line_and_all_signs():
    sections = by_id()
    crisis = sections["when-to-seek-help"]
    plain = crisis.variants["patient"]
    assert len(plain.signs) == len(crisis.body.signs) == 7
    assert "call or text 988" in " ".join(words(plain.crisis_html))
    assert "988 Suicide and Crisis Lifeline" in plain.crisis_html
    assert "not medical advice" in sections["disclaimer"].variants["patient"].html


def test_variant_yaml_with_an_unknown_key_is_an_error(tmp_path):
    folder = tmp_path / "sleep-hygiene"
    shutil.copytree(SLEEP_TOPIC, folder)
    (folder / "sections" / "01-disclaimer.patient.yaml").write_text("txt: Plain words.\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_topic(folder)
    assert [f.code for f in info.value.findings] == ["c-003"]


def test_tags_must_be_a_list_of_names(tmp_path):
    folder = tmp_path / "sleep-hygiene"
    shutil.copytree(SLEEP_TOPIC, folder)
    path = folder / "sections" / "02-why-sleep-matters.md"
    path.write_text(path.read_text().replace("tags: [handout, summary]", "tags: handout"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        read_topic(folder)
    [problem] = info.value.findings
    assert problem.code == "c-012" and "'tags' must be a list" in problem.message and problem.line == 5


def test_a_topic_without_tags_shows_every_patient_section_in_a_short_edition(tmp_path, editions):
    """Tags are for topics too long for the short editions; a small topic needs none."""
    folder = tmp_path / "sleep-hygiene"
    shutil.copytree(SLEEP_TOPIC, folder)
    for path in (folder / "sections").rglob("*.md"):
        path.write_text(path.read_text().replace("tags: [handout, summary]\n", ""), encoding="utf-8")
    for path in (folder / "sections").rglob("*.yaml"):
        path.write_text(path.read_text().replace("tags: [handout, summary]\n", ""), encoding="utf-8")
    topic = read_topic(folder)
    doc = select_sections(topic, editions["patient-handout"])
    expected = [s.id for s in topic.all_sections() if "patient" in s.audiences or "patient" in s.required_for]
    assert [s.id for s in doc.all_sections()] == expected


def test_clinician_summary_shows_the_condensed_text_and_the_table(built):
    text = " ".join(pdf_text(output(built, "neuroplasticity", "clinician-summary").read_bytes()).split())
    assert "Neuroplasticity in Mental Health Conditions" in text and "Treatments that act on them" in text
    assert "Treatments that act on them" in text and "exposure and response prevention (ERP)" in text
    assert "Established and Still Investigated" in text and "Still being investigated:" in text
    # Condensed: full-text sentences of the same sections are not in it ...
    assert "This molecular link provides one of the clearest bridges" not in text
    # ... but they are in the booklet, which keeps the whole article.
    assert "This molecular link provides one of the clearest bridges" in epub_text(
        output(built, "neuroplasticity", "booklet").read_bytes())


def test_clinician_table_has_header_cells_with_scope(built):
    import pikepdf
    from publisher.verify.pdf import struct_elements
    with pikepdf.open(output(built, "neuroplasticity", "clinician-summary")) as pdf:
        tags = [str(e.S) for e in struct_elements(pdf)]
    # The table crosses the page break, so weasyprint writes it as two Table elements (its
    # header row repeated); every data cell is there once.
    assert tags.count("/Table") >= 1 and tags.count("/TH") >= 3 and tags.count("/TD") == 15
    # The table is the clinician version of "conditions": the web page keeps the full text.
    page = output(built, "neuroplasticity", "web").read_text(encoding="utf-8")
    assert '<th scope="col">Neuroplastic changes</th>' not in page


# -- safety blocks in every patient output, whatever the selection ---------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picked=st.lists(st.sampled_from(ALL_IDS), min_size=1, max_size=6, unique=True),
       excluded=st.lists(st.sampled_from(ALL_IDS), max_size=4, unique=True))
@example(picked=["faq"], excluded=["faq"])  # all that was picked left out again: u-006
@example(picked=["disclaimer"], excluded=["disclaimer"])
def test_any_patient_selection_carries_the_plain_safety_blocks(editions, picked, excluded):
    # in the topic's order, as the findings come
    not_for_patients = [i for i, s in by_id().items() if i in picked and "patient" not in s.audiences]
    if not_for_patients:  # a section written only for clinicians is refused (u-003), never shown silently
        with pytest.raises(EditionError) as info:
            select_sections(TOPIC, editions["patient-handout"], section_ids=picked, exclude=excluded)
        assert [f.code for f in info.value.findings] == ["u-003"] * len(not_for_patients)
        assert [f.message.split("'")[1] for f in info.value.findings] == not_for_patients
        return
    try:
        doc = select_sections(TOPIC, editions["patient-handout"], section_ids=picked, exclude=excluded)
    except EditionError as info:  # --exclude took away all that was picked: no handout of safety sections only
        assert [f.code for f in info.findings] == ["u-006"]
        assert all(i in excluded for i in picked), (picked, excluded)
        return
    chosen = {s.id: s for s in doc.all_sections()}
    for required in ("disclaimer", "when-to-seek-help"):
        assert required in chosen and not chosen[required].heading_only
        assert chosen[required].body.source.file.name.endswith(".patient.yaml")


# Sections written for patients (a clinician-only one, such as ocd, is refused: u-003).
SELECTIONS = [["exercise-and-neuroplasticity"], ["depression", "anxiety-disorders"], ["faq"],
              ["misconception-brain-training", "recovery-is-possible"], ["what-is-neuroplasticity"]]
FORMATS = [("pdf", "patient-handout"), ("epub", "booklet"), ("html", "web")]


@pytest.mark.parametrize("picked", SELECTIONS, ids=lambda p: "+".join(p))
@pytest.mark.parametrize("fmt,layout", FORMATS)
def test_custom_patient_outputs_contain_disclaimer_warning_signs_and_988(project, editions, picked, fmt, layout):
    edition = dataclasses.replace(editions["patient-handout"], format=fmt, layout=layout, max_pages=None)
    doc = select_sections(TOPIC, edition, section_ids=picked, exclude=["disclaimer", "when-to-seek-help"])
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)
    data = get_format(fmt).load_writer()(rendered).data
    text = " ".join({"pdf": pdf_text, "epub": epub_text, "html": html_text}[fmt](data).split())
    assert "Please read first" in text and "It is not medical advice." in text
    assert "When to get help" in text and "Thoughts of hurting yourself or of suicide" in text
    assert "call or text 988" in text and "988 Suicide and Crisis Lifeline" in text
    assert check_safety(doc, data, name=f"custom.{fmt}") == []
