import pytest

from publisher.build import load_editions
from publisher.errors import EditionError
from publisher.read import read_topic
from publisher.select import select_sections

from conftest import ROOT


@pytest.fixture(scope="module")
def topic():
    return read_topic(ROOT / "source" / "neuroplasticity")


@pytest.fixture(scope="module")
def editions(project):
    return load_editions(project)


def ids(doc):
    return [s.id for s in doc.all_sections()]


# The patient handout is the sections tagged `audience: [patient]` in the content, each in
# its plain-language variant: what neuroplasticity is, what helps, recovery and practice,
# three myths, and the safety blocks. Everything else is in the booklet and the web page.
PATIENT_HANDOUT = ["disclaimer", "what-is-neuroplasticity", "research", "exercise-and-neuroplasticity",
                   "psychotherapy-and-brain-change", "clinical-implications", "recovery-is-possible",
                   "repetition-matters", "timing-and-context", "misconceptions",
                   "misconception-positive-thinking", "misconception-always-positive",
                   "misconception-brain-training", "when-to-seek-help"]


def test_patient_edition_takes_exactly_the_patient_sections_in_their_variants(topic, editions):
    doc = select_sections(topic, editions["patient-handout"])
    assert ids(doc) == PATIENT_HANDOUT
    assert "ltp-ltd" not in ids(doc) and "faq" not in ids(doc)
    assert not any(s.heading_only for s in doc.all_sections())
    for section in doc.all_sections():  # every section shows its plain-language text
        assert section.body.source.file.name.split(".")[-2] == "patient", section.id


def test_clinician_edition_uses_clinician_variants_and_the_table(topic, editions):
    doc = select_sections(topic, editions["clinician-summary"])
    chosen = ids(doc)
    assert chosen == ["what-is-neuroplasticity", "scientific-basis", "hebbian-learning", "ltp-ltd", "bdnf",
                      "epigenetics", "brain-regions", "conditions",
                      "clinical-implications", "state-of-the-science"]
    table = next(s for s in doc.all_sections() if s.id == "conditions")
    assert '<th scope="col">Condition</th>' in table.body.html
    variants = [s.id for s in doc.all_sections() if s.body.source.file.name.endswith(".clinician.md")]
    assert set(variants) == set(chosen)


def test_booklet_takes_everything_in_order(topic, editions):
    doc = select_sections(topic, editions["booklet"])
    assert ids(doc) == [s.id for s in topic.all_sections()]
    assert not any(s.heading_only for s in doc.all_sections())


def test_custom_selection_keeps_topic_order_and_adds_safety(topic, editions):
    doc = select_sections(topic, editions["patient-handout"],
                          section_ids=["exercise-and-neuroplasticity", "depression"])
    chosen = ids(doc)
    assert chosen == ["disclaimer", "conditions", "depression", "research",
                      "exercise-and-neuroplasticity", "when-to-seek-help"]
    assert set(doc.added_required) == {"disclaimer", "when-to-seek-help"}
    levels = {s.id: s.level for s in doc.all_sections()}
    assert levels["conditions"] == 2 and levels["depression"] == 3


def test_excluding_a_safety_section_does_not_drop_it(topic, editions):
    doc = select_sections(topic, editions["patient-handout"], exclude=["disclaimer", "when-to-seek-help"])
    assert "disclaimer" in ids(doc) and "when-to-seek-help" in ids(doc)


def test_unknown_section_id_suggests_nearest(topic, editions):
    with pytest.raises(EditionError) as info:
        select_sections(topic, editions["patient-handout"], section_ids=["depresion"])
    # The summary line counts the unknown ids; the suggestion travels in the coded u-002 finding
    # (printed with its hint by the CLI: tests/test_summary.py, tests/test_cli_errors.py).
    assert str(info.value) == "1 unknown section id(s) in topic 'neuroplasticity'; nothing was written"
    [found] = info.value.findings
    assert found.code == "u-002" and found.is_error
    assert found.message == "'depresion' is not a section id of topic 'neuroplasticity'"
    assert found.hint.startswith("Did you mean depression? `publish list neuroplasticity` shows them")
