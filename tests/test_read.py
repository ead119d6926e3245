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


def test_front_matter_without_its_closing_line_is_a_c001_not_text(tiny_project):
    """A section file, or a variant, whose block of fields has lost its closing '---' is
    refused with file and line; the fields are never printed as the section's text."""
    import pytest
    from publisher.errors import ContentError
    sections = tiny_project / "source" / "tiny" / "sections"
    for path in sorted(sections.glob("*.md"))[:2]:
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines(keepends=True)
        closing = next(i for i, line in enumerate(lines) if i > 0 and line.strip() == "---")
        path.write_text("".join(lines[:closing] + lines[closing + 1:]), encoding="utf-8")
        with pytest.raises(ContentError) as caught:
            read_topic(tiny_project / "source" / "tiny")
        [found] = [f for f in caught.value.findings if f.code == "c-001"]
        assert found.file.endswith(path.name) and found.line == 1 and "no closing '---'" in found.message
        path.write_text(original, encoding="utf-8")
    variant = sections / "03-about.patient.md"
    variant.write_text("---\ntitle: About, in plain words\n\nSleep well.\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_topic(tiny_project / "source" / "tiny")
    assert [(f.code, f.line) for f in caught.value.findings] == [("c-001", 1)]
    variant.write_text("Sleep well. No fields here, so no block to close.\n", encoding="utf-8")
    read_topic(tiny_project / "source" / "tiny")
