from publisher.model import SOURCE_TYPES
from publisher.read import read_topic

from conftest import ROOT, SLEEP_TOPIC


def test_bundled_topic_metadata():
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    assert topic.title == "Neuroplasticity and Mental Health"
    assert topic.subtitle == "How the Brain Changes, Adapts, and Heals"
    assert topic.language == "en-US"
    assert topic.publisher and topic.version
    assert topic.reviewed < topic.next_review
    assert len(topic.references) == 6
    assert all(ref.type in SOURCE_TYPES for ref in topic.references)


def test_every_section_has_id_title_and_audience():
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    sections = list(topic.all_sections())
    ids = [s.id for s in sections]
    assert len(ids) == len(set(ids))
    for s in sections:
        assert s.body.title
        assert s.audiences <= {"patient", "clinician"} and s.audiences


def test_article_structure_is_kept():
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    by_id = {s.id: s for s in topic.all_sections()}
    assert len(by_id["misconceptions"].children) == 5
    assert len(by_id["faq"].body.questions) == 8
    assert len(by_id["when-to-seek-help"].body.signs) == 7
    assert "988" in by_id["when-to-seek-help"].body.crisis_html
    assert by_id["state-of-the-science"].body.html.count("<ul>") == 2
    assert "patient" in by_id["disclaimer"].required_for
    assert "patient" in by_id["when-to-seek-help"].required_for


def test_second_topic_reads_without_code_change():
    topic = read_topic(SLEEP_TOPIC)
    assert topic.id == "sleep-hygiene"
    kinds = {s.kind for s in topic.all_sections()}
    assert {"disclaimer", "crisis", "faq", "text"} <= kinds
    assert "<table>" in next(s for s in topic.all_sections() if s.id == "for-clinicians").body.html
