"""The safety block on paper (fault 1 of the page review): "When to get help", its lead-in
("... any of these:"), the warning signs and the crisis box stay together when they fit on a
page; a block taller than a page breaks inside the signs list, never between the lead-in and
the first sign; and the page checks (g-004, g-007) catch a heading and lead-in left alone
at the foot of a page.

The checks are run on small documents laid out by WeasyPrint here (the structure of
partials/_crisis.html.j2, print.css), the real custom summary once per module."""
from __future__ import annotations


import pytest
import weasyprint
from click.testing import CliRunner

import publish
from publisher.verify.layout import check_layout
from publisher.writers.pdf import mark_safety_tall

from conftest import ROOT, TALL_SAFETY, page_faults
from print_sheets import print_sheets
from pdf_tags import page_texts

SAFETY = """<section class="seek-help" aria-labelledby="help"><h2 id="help">When to get help</h2>
<div class="safety-block"><p>See a trained professional if you have any of these:</p>
<div class="safety-signs"><ul class="warning-signs">{signs}</ul>
<section class="callout callout-crisis" aria-labelledby="crisis"><h3 id="crisis">If you are in crisis</h3>
<p>Call or text 988.</p></section></div></div></section>"""


def lay_out(filler: int, signs: int = 4, css: str = "", tall: bool = False) -> weasyprint.Document:
    """A one-column page flow: `filler` paragraphs, then the safety section."""
    body = "".join(f'<section aria-labelledby="s{i}"><h2 id="s{i}">Part {i}</h2><p>{"Text of the part. " * 12}</p>'
                   "</section>" for i in range(filler))
    body += SAFETY.format(signs="".join(f"<li>Warning sign number {i}</li>" for i in range(signs)))
    if tall:
        body = mark_safety_tall(body)
    html = f'<html lang="en"><body><main>{body}</main></body></html>'
    style = weasyprint.CSS(string="@page { size: 6in 8in; margin: 0.5in } body { font-size: 12pt; line-height: 1.4 } "
                                  "h2 { font-size: 14pt } p, li { margin: 0 0 4pt }" + css)
    return weasyprint.HTML(string=html).render(stylesheets=[*print_sheets(), style])




def codes(document) -> list[str]:
    return [f"{f.code} {f.severity.name} {f.message}" for f in check_layout(document)]


def test_heading_and_lead_in_alone_at_a_page_foot_are_a_g004_error_and_do_not_excuse_the_empty_page():
    # Forced apart as the old print.css let them be: the signs start the next page.
    document = lay_out(3, css=".safety-signs { break-before: page } .safety-block, .safety-signs { break-inside: auto }")
    found = codes(document)
    assert any(c.startswith("g-004 ERROR") and "lead-in" in c and "first warning sign" in c for c in found), found


def test_a_short_page_is_excused_only_when_the_whole_block_could_not_fit_below_it():
    # The old print.css: heading and lead-in may stay behind, the signs and box move on. The
    # page after starts with the safety block, yet page 1 (most of it empty) is not excused:
    # it holds part of the block. g-004 names the lead-in.
    document = lay_out(1, signs=20, css=".safety-block, .safety-block > p:last-of-type { break-inside: auto; break-after: auto } "
                                       ".warning-signs { break-before: auto }")
    found = codes(document)
    assert len(document.pages) == 2
    assert any(c.startswith("g-007") and "page 1" in c for c in found), found
    assert any(c.startswith("g-004 ERROR") and "lead-in" in c for c in found), found


@pytest.mark.parametrize("filler, signs", [(2, 10), (1, 14)])
def test_block_that_fits_on_a_page_moves_whole_to_the_next_page_without_findings(filler, signs):
    # The block does not fit below the parts: it starts page 2 whole (page 1 is 60-80%
    # empty, excused: the whole block could not fit in the space left).
    document = lay_out(filler, signs=signs)
    pages = [{box.element.get("id") for box in page._page_box.descendants() if box.element is not None}
             for page in document.pages]
    assert [i for i, ids in enumerate(pages) if ids & {"help", "crisis"}] == [1]
    assert codes(document) == []


def test_block_taller_than_a_page_breaks_inside_the_signs_list_not_after_the_lead_in():
    # What writers/pdf.py does with a block taller than a page (.safety-tall): the lead-in
    # and the first signs end page 1 (no heading and lead-in alone, no empty page).
    document = lay_out(2, signs=30, css="", tall=True)
    pages = [{box.element.text for box in page._page_box.descendants()
              if box.element is not None and box.element.tag in ("li", "p", "h2")} for page in document.pages]
    lead = [i for i, texts in enumerate(pages) if any(t and t.endswith("any of these:") for t in texts)]
    first = [i for i, texts in enumerate(pages) if "Warning sign number 0" in texts]
    assert lead == first == [0]
    assert not [c for c in codes(document) if c.startswith(("g-004 ERROR", "g-007"))], codes(document)


@pytest.fixture(scope="module")
def riverside(tmp_path_factory):
    """The custom large-print summary of the page review (it was 5 pages, page 3 two-thirds empty)."""
    path = tmp_path_factory.mktemp("riverside") / "x.pdf"
    res = CliRunner().invoke(publish.cli, ["summary", "neuroplasticity", "--audience", "patient",
                                           "--section", "depression", "--section", "exercise-and-neuroplasticity",
                                           "--clinic", str(ROOT / "tests/fixtures/clinics/riverside.yaml"),
                                           "--large-print", "-o", str(path)])
    assert res.exit_code == 0, res.output
    return path, res.output


def test_custom_large_print_summary_keeps_the_lead_in_with_the_first_sign(riverside):
    path, output = riverside
    pages = page_texts(path)
    assert len(pages) <= 4
    lead = [i for i, text in enumerate(pages) if "any of these:" in text]
    first_sign = [i for i, text in enumerate(pages) if "Sadness, hopelessness" in text]
    heading = [i for i, text in enumerate(pages) if "When to get help" in text]
    assert lead == first_sign == heading and len(lead) == 1
    last_sign = [i for i, text in enumerate(pages) if "Thoughts of hurting yourself" in text]
    crisis = [i for i, text in enumerate(pages) if "call or text 988" in text]
    assert last_sign == crisis
    # Taller than an 18 pt page, the block breaks inside its signs list, and the build says so.
    assert page_faults(output.splitlines()) == [], output
    assert TALL_SAFETY in output or len(set(heading + crisis)) == 1, output


def test_only_a_block_taller_than_any_page_counts_as_tall():
    """`safety_block_taller_than_a_page` adds up the block's pieces: a block that moved whole
    (or that was split only because it started low on a page) is not tall; 30 signs are."""
    from publisher.writers.pdf import safety_block_split, safety_block_taller_than_a_page
    moved = lay_out(2, signs=10)
    assert not safety_block_split(moved) and not safety_block_taller_than_a_page(moved)
    split_low = lay_out(2, signs=10, tall=True)  # may break inside: split, yet it would fit a page
    assert safety_block_split(split_low) and not safety_block_taller_than_a_page(split_low)
    assert safety_block_taller_than_a_page(lay_out(2, signs=30, tall=True))


def test_a_tall_block_is_laid_out_once_when_seen_again_with_the_same_bytes(monkeypatch, tmp_path):
    """The large-print handout's safety block is taller than a page: the first output that
    shows it is laid out twice (kept whole, found split, laid out tall), the next output
    with the same block and pages once, and both give the same bytes. A block that is not
    tall is never remembered."""
    from publisher.clinic import read_clinic
    from publisher.project import Project, load_editions, load_topics
    from publisher.render import render_edition
    from publisher.writers import pdf
    project = Project(ROOT)
    editions = load_editions(project)
    topic = load_topics(project, ["neuroplasticity"])["neuroplasticity"]
    clinic = read_clinic(project.default_clinic)
    from publisher.select import select_sections
    monkeypatch.setattr(pdf, "_TALL_SAFETY_BLOCKS", {})
    renders = []
    real = weasyprint.HTML.render
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, **kw: renders.append(1) or real(self, **kw))

    def write(edition: str) -> bytes:
        renders.clear()
        rendered = render_edition(select_sections(topic, editions[edition]), clinic=clinic,
                                  layouts_dir=project.layouts_dir)
        return pdf.write(rendered, {}).data

    first = write("patient-handout-large-print")
    assert len(renders) == 2 and len(pdf._TALL_SAFETY_BLOCKS) == 1
    assert write("patient-handout-large-print") == first and len(renders) == 1
    write("patient-handout")  # kept whole on its page: laid out once, not remembered
    assert len(renders) == 1 and len(pdf._TALL_SAFETY_BLOCKS) == 1
