"""Two-column flows on paper (the page review of the custom summaries): the text starts on
the page the title block is on, even when the block that comes next is kept whole and does
not fit in the next column (WeasyPrint 70 moved the whole flow to the next page then:
writers/columnfix.py); an empty column beside a filled one counts as empty (g-007).

Small documents are laid out here with print.css (the structure of shared/print.html.j2
and partials/_crisis.html.j2); the real Spanish custom summary once."""
from __future__ import annotations


import pytest
import weasyprint
from click.testing import CliRunner

import publish
from publisher.verify import layout
from publisher.verify.layout import check_layout

from conftest import ROOT
from print_sheets import print_sheets

SAFETY = """<section class="seek-help" aria-labelledby="help"><h2 id="help">When to get help</h2>
<div class="safety-block"><p>See a trained professional if you have any of these:</p>
<div class="safety-signs"><ul class="warning-signs">{signs}</ul>
<section class="callout callout-crisis" aria-labelledby="crisis"><h3 id="crisis">If you are in crisis</h3>
<p>Call or text 988.</p></section></div></div><p>A closing paragraph after the box.</p></section>"""




def handout(filler: int, signs: int) -> weasyprint.Document:
    """A two-column handout: a tall title block, `filler` short sections, the safety section."""
    from publisher.writers import columnfix  # noqa: F401 (the writer's fix, as a build has it)
    body = "".join(f'<section aria-labelledby="s{i}"><h2 id="s{i}">Part {i}</h2><p>{"Text of the part. " * 10}</p>'
                   "</section>" for i in range(filler))
    body += SAFETY.format(signs="".join(f"<li>Warning sign number {i} of the list</li>" for i in range(signs)))
    html = ('<html lang="en"><body class="print edition-patient-handout"><div class="title-block">'
            '<h1 id="title">A title</h1>' + "<p class='subtitle'>A line under the title</p>" * 6 +
            f'</div><main><div class="flow">{body}</div></main></body></html>')
    style = weasyprint.CSS(string="@page handout { size: 7in 7in; margin: 0.4in } body { font-size: 12pt }")
    return weasyprint.HTML(string=html).render(stylesheets=[*print_sheets(), style])


def first_text_page(document, text: str) -> int:
    pages = layout.measure(document).pages
    return next(p.index for p in pages for line in p.lines if line.column != "margin" and text in line.text)


@pytest.mark.parametrize("filler", [1, 2, 3])
def test_text_starts_on_the_title_page_when_the_kept_block_goes_to_the_next(filler):
    document = handout(filler, signs=11)
    assert len(document.pages) == 2
    assert first_text_page(document, "Part 0") == 0  # was 1: the whole flow moved to page 2
    assert first_text_page(document, "When to get help") == 1
    assert first_text_page(document, "If you are in crisis") == 1
    found = [f"{f.code} {f.message}" for f in check_layout(document)]
    assert not [f for f in found if f.startswith(("g-004", "g-006", "g-001"))], found
    # Page 1's right column is empty (the block kept whole could not fit there): counted
    # as empty, and explained by the block on page 2 (no g-007).
    assert layout.empty_share(layout.measure(document).pages[0]) > 1 / 3
    assert not [f for f in found if f.startswith("g-007")], found


def spanish_riverside_summary(out):
    """`publish summary` of the page review's case: two sections in Spanish with the Riverside
    profile, written to `out` -> click's result."""
    return CliRunner().invoke(publish.cli, [
        "summary", "neuroplasticity", "--audience", "patient", "--section", "exercise-and-neuroplasticity",
        "--section", "recovery-is-possible", "--lang", "es",
        "--clinic", str(ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"), "-o", str(out)])


def test_spanish_custom_summary_starts_its_text_on_page_one(tmp_path):
    """The page review's case: two sections in Spanish with the Riverside profile put only
    the title block on page 1 (76% empty) and every line of text on page 2."""
    out = tmp_path / "es.pdf"
    res = spanish_riverside_summary(out)
    assert res.exit_code == 0, res.output
    assert "g-0" not in res.output, res.output
    from pdf_tags import page_texts
    pages = page_texts(out)
    assert len(pages) == 2
    assert "Lea esto primero" in pages[0] and "Mejorar es posible" in pages[0]
    # The warning signs and the crisis box together on page 2.
    assert "Pensamientos de hacerse daño" in pages[1] and "988" in pages[1]


def test_publish_check_reads_a_wrapped_title_and_a_title_page_alone_as_the_build_does(tmp_path, monkeypatch):
    """The same summary laid out with WeasyPrint's own multi-column code (a PDF made before
    the fix): the build finds page 1 76% empty (g-007), and `publish check` reading the file
    must find it too (it took the right column's safety heading, higher on page 2 than the
    left column's first line, for the page's first line, and excused page 1), and must not
    take the wrapped title's last word ('seguro', at the left under the QR code's caption)
    for a heading at the foot of a column (g-006)."""
    from publisher.writers import columnfix
    from weasyprint.layout import block
    monkeypatch.setattr(block, "columns_layout", columnfix.ORIGINAL)
    out = tmp_path / "old.pdf"
    res = spanish_riverside_summary(out)
    assert res.exit_code == 0, res.output
    built = {line.split(" ")[0] for line in res.output.splitlines() if line.startswith("g-")}
    assert built == {"g-007"}, res.output
    res = CliRunner().invoke(publish.cli, ["check", str(out)])
    checked = [line for line in res.output.splitlines() if line.startswith("g-")]
    assert [line.split(" ")[0] for line in checked] == ["g-007"], res.output
    assert "page 1" in checked[0]


# --- large print with a clinic's full profile -------------------------------------------------

@pytest.fixture(scope="module")
def riverside_large_print(tmp_path_factory):
    """The Spanish large-print handout with the Riverside profile (logo, website, QR code, two
    local crisis lines), Letter and A4, built once: ([(path, findings)], ...)."""
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    out = []
    for paper in ("letter", "a4"):
        result = build_editions(Project(ROOT), BuildOptions(
            topics=["neuroplasticity"], editions=["patient-handout-large-print"], langs=["es"], paper=paper,
            clinic_file=ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml",
            out_dir=tmp_path_factory.mktemp(f"lp-{paper}")))
        out.append((result.outputs[0].path, [f"{f.code} {f.severity.name} {f.message}" for f in result.findings]))
    return out


def test_large_print_with_a_clinic_profile_has_no_page_of_a_qr_code_or_three_signs(riverside_large_print):
    """It ran to 9 Letter pages: the safety block over pages 6-8 (page 7 three signs, 71%
    empty), page 9 the QR code alone, and a 2.1 in bottom margin on every page."""
    from pdf_tags import page_texts
    for path, findings in riverside_large_print:
        pages = page_texts(path)
        assert len(pages) <= 8, (path.name, len(pages))
        assert not [f for f in findings if f.startswith("g-") and "g-004 WARNING" not in f], findings
        # The QR code's caption shares its page with the end of the text.
        last = pages[-1]
        assert "Escanee el código" in last and "ayuda experta" in last, last
        # The safety block over two pages at most: the crisis box with the last signs.
        holding = [i for i, text in enumerate(pages) if "Cuándo buscar ayuda" in text or "988" in text
                   or "Pensamientos de hacerse daño" in text]
        assert holding[-1] - holding[0] <= 1, holding


def test_large_print_footer_with_notes_stands_clear_of_the_paper_edge(riverside_large_print):
    """Three 18 pt footer lines: a line of white above them and at least 0.25 in of paper
    below the last (it stood at the very edge), with no more margin than that needs."""
    from publisher.verify.pagegeometry import measure_pdf
    from publisher.verify.pdfread import PdfFile
    for path, _ in riverside_large_print:
        with PdfFile(path.read_bytes(), shapes=True) as file:
            measured = measure_pdf(file)
        for page in measured.pages:
            footer = sorted((line for line in page.lines if line.column == "margin"), key=lambda line: line.y0)
            body = [line for line in page.lines if line.column != "margin"]
            assert len(footer) == 3, [line.text for line in footer]
            assert (page.paper_height - footer[-1].y1) * 0.75 >= 0.25 * 72 - 1  # pt
            if body:
                assert footer[0].y0 - max(line.y1 for line in body) >= 24  # an 18 pt line


# --- separators: never at a line's end or start -------------------------------------------

@pytest.fixture(scope="module")
def every_printed_edition(tmp_path_factory):
    """Every printed edition in English and Spanish: with the Riverside profile on Letter and
    A4, and with the project's own profile on Letter -> the PDFs."""
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    riverside = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
    paths = []
    for paper, clinic in (("letter", riverside), ("a4", riverside), ("letter", None)):
        result = build_editions(Project(ROOT), BuildOptions(
            topics=["neuroplasticity"], langs=["en", "es"], paper=paper, clinic_file=clinic,
            out_dir=tmp_path_factory.mktemp(f"all-{paper}")))
        paths += [o.path for o in result.outputs if o.path.suffix == ".pdf"]
    return paths


@pytest.mark.slow  # builds every printed edition in both languages on two papers with two clinic profiles
def test_no_line_of_any_printed_edition_starts_or_ends_with_a_separator(every_printed_edition):
    """The title block's edition and contact lines, and the running footers ('... Revisado el 1
    de noviembre de 2026 ·' above 'Traducción aún no revisada', in the Spanish handout's title
    block and footer and the bilingual handout's Spanish sheet), in every edition."""
    from publisher.verify.pagegeometry import measure_pdf
    from publisher.verify.pdfread import PdfFile
    assert len(every_printed_edition) >= 18
    seen_notes = 0
    for path in every_printed_edition:
        with PdfFile(path.read_bytes(), shapes=True) as file:
            measured = measure_pdf(file)
        lines = [" ".join(line.text.split()) for page in measured.pages for line in page.lines]
        dangling = [line for line in lines if line.startswith("·") or line.endswith("·")]
        assert dangling == [], (path.name, dangling)
        seen_notes += any("Traducción aún no revisada" in line for line in lines)
    assert seen_notes >= 6  # the Spanish files, with the draft note in title block and footer


@pytest.mark.slow  # builds every printed edition in both languages on two papers with two clinic profiles
def test_qr_caption_and_clinic_header_wrap_cleanly(every_printed_edition):
    """With the Riverside profile, normal and large print, Letter and A4: the printed address
    never breaks right after 'https://' (the caption read 'Scan the code, or go / to /
    https:// / riverside.example.org/...'), the caption's last words stay together, and the
    clinic's lines beside the logo stay in their column (the web address wrapped to the left
    margin under the logo in large print)."""
    from publisher.verify.pagegeometry import measure_pdf
    from publisher.verify.pdfread import PdfFile
    checked = 0
    for path in every_printed_edition:
        with PdfFile(path.read_bytes(), shapes=True) as file:
            measured = measure_pdf(file)
        for page in measured.pages:
            lines = [line for line in page.lines if line.column != "margin"]
            texts = [" ".join(line.text.split()) for line in lines]
            assert not [t for t in texts if t.endswith("https://")], (path.name, texts)
            assert not [t for t in texts if t in ("to", "a", "go", "vaya")], (path.name, texts)
            name = [line for line in lines if line.text.strip() == "Riverside Family Health"]
            site = [line for line in lines if line.text.strip().endswith("https://riverside.example.org")]
            if name and site:
                checked += 1
                assert abs(site[0].x0 - name[0].x0) < 1, (path.name, site[0].text, site[0].x0, name[0].x0)
    assert checked >= 10  # the title blocks of the Riverside files (both sheets of a bilingual one)
