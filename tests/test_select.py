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


def test_patient_edition_takes_patient_sections_and_safety(topic, editions):
    doc = select_sections(topic, editions["patient-handout"])
    chosen = ids(doc)
    assert "disclaimer" in chosen and "when-to-seek-help" in chosen
    assert "ltp-ltd" not in chosen  # clinician only
    assert "depression" in chosen  # patient subsection of a clinician section
    conditions = next(s for s in doc.sections if s.id == "conditions")
    assert conditions.heading_only  # brought along for the subsection's heading


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
    message = str(info.value)
    assert "depresion" in message and "did you mean depression" in message and "publish list" in message
