"""The EPUB Accessibility metadata says what the content documents show, and nothing more."""
import functools

import pytest

from publisher.project import Project, load_editions
from publisher.read import read_topic
from publisher.render import Part, RenderedEdition
from publisher.select import select_sections
from publisher.writers.epub import CONFORMS_TO, accessibility_metadata

from conftest import ROOT, TINY_TOPIC

HEAD = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" '
        'xml:lang="en"><head><title>t</title></head><body>')
NAV = '<nav epub:type="toc" id="toc"><h1>Contents</h1><ol><li><a href="a.xhtml">A</a></li></ol></nav>'


@functools.cache
def english_doc():
    """A real selection (the tiny topic, in English): the summary is written in its language."""
    return select_sections(read_topic(TINY_TOPIC), load_editions(Project(ROOT))["patient-handout"])


def book(*bodies: str) -> RenderedEdition:
    parts = [Part(f"p{i}.xhtml", "t", HEAD + body + "</body></html>") for i, body in enumerate(bodies)]
    return RenderedEdition(doc=english_doc(), parts=tuple(parts), layouts_dir=ROOT / "layouts")


def meta(rendered, **options):
    found = {}
    for prop, value in accessibility_metadata(rendered, page_list=options.get("page_list", False),
                                              conforms=options.get("conforms", False)):
        found.setdefault(prop, []).append(value)
    return found


def test_text_only_book_is_textual_without_alternative_text():
    m = meta(book(NAV, "<h1>A</h1><p>Words.</p>"))
    assert m["schema:accessMode"] == ["textual"]
    assert m["schema:accessModeSufficient"] == ["textual"]
    assert "alternativeText" not in m["schema:accessibilityFeature"]
    assert {"structuralNavigation", "tableOfContents"} <= set(m["schema:accessibilityFeature"])
    assert "image" not in m["schema:accessibilitySummary"][0]


def test_described_image_makes_it_visual_with_alternative_text():
    m = meta(book(NAV, '<h1>A</h1><img src="a.png" alt="A brain cell growing new branches"/>'))
    assert m["schema:accessMode"] == ["textual", "visual"]
    assert m["schema:accessModeSufficient"] == ["textual"]
    assert "alternativeText" in m["schema:accessibilityFeature"]
    assert "description of every image" in m["schema:accessibilitySummary"][0]


def test_undescribed_image_gives_no_alternative_text_and_text_is_not_sufficient():
    m = meta(book('<h1>A</h1><img src="a.png" alt="A chart"/><img src="b.png"/>'))
    assert m["schema:accessMode"] == ["textual", "visual"]
    assert m["schema:accessModeSufficient"] == ["textual,visual"]
    assert "alternativeText" not in m["schema:accessibilityFeature"]
    assert "tableOfContents" not in m["schema:accessibilityFeature"]  # no toc nav in this book


@pytest.mark.parametrize("img", ['<img src="a.png" alt=""/>', '<img src="a.png" alt="x" role="presentation"/>'])
def test_decorative_images_are_not_visual_content(img):
    m = meta(book("<h1>A</h1>" + img))
    assert m["schema:accessMode"] == ["textual"]
    assert "alternativeText" not in m["schema:accessibilityFeature"]


def test_page_navigation_only_with_a_page_list():
    assert not {"pageBreakMarkers", "pageNavigation"} & set(meta(book("<h1>A</h1>"))["schema:accessibilityFeature"])
    features = meta(book("<h1>A</h1>"), page_list=True)["schema:accessibilityFeature"]
    assert {"pageBreakMarkers", "pageNavigation"} <= set(features)


def test_conformance_claim_only_when_asked():
    assert "dcterms:conformsTo" not in meta(book("<h1>A</h1>"))
    assert "a11y:certifiedBy" not in meta(book("<h1>A</h1>"))
    claimed = meta(book("<h1>A</h1>"), conforms=True)
    assert claimed["dcterms:conformsTo"] == [CONFORMS_TO] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert claimed["a11y:certifiedBy"][0]
