"""Text stays off the printer's unprintable edge (g-012): office printers leave 0.17-0.25 in
of the paper's edge blank, so every glyph of every printed edition, the running footers'
included, stands at least 0.25 in from each edge; the footer keeps a line of white between
itself and the text above, and the page budgets hold."""
from __future__ import annotations

import pytest
import weasyprint
from click.testing import CliRunner

import publish
from conftest import ROOT
from publisher.verify.pdfread import PdfFile

EDGE_PT = 0.25 * 72
INK_ABOVE, INK_BELOW = 0.9, 0.3  # a glyph's ink from its baseline, in font sizes (as pagegeometry reads it)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every printed edition of the bundled topic, English and Spanish, on Letter and A4, with
    the project's clinic profile and with Riverside's -> {(paper, profile): [PDF paths]}."""
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    riverside = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
    out = {}
    for paper in ("letter", "a4"):
        for name, clinic in (("default", None), ("riverside", riverside)):
            result = build_editions(Project(ROOT), BuildOptions(
                topics=["neuroplasticity"], langs=["en", "es"], paper=paper, clinic_file=clinic,
                editions=["patient-handout", "patient-handout-large-print", "patient-handout-bilingual",
                          "clinician-summary", "booklet-print"],
                out_dir=tmp_path_factory.mktemp(f"{name}-{paper}")))
            assert not [f for f in result.findings if f.code == "g-012"], result.findings
            out[(paper, name)] = [o.path for o in result.outputs if o.path.suffix == ".pdf"]
    return out


def _pages(path):
    """Per page: (paper width, height, [(text, size, left, right, top, bottom distances in pt)])."""
    with PdfFile(path.read_bytes()) as file:
        sizes = file.page_sizes
        pages = [(w, h, []) for w, h in sizes]
        for line in file.lines():
            width, height, lines = pages[line.page - 1]
            lines.append((line.text, line.size, line.baseline, line.x0, width - line.x1,
                          height - (line.baseline + INK_ABOVE * line.size), line.baseline - INK_BELOW * line.size))
    return pages


@pytest.mark.slow  # builds every printed edition in both languages on two papers with two clinic profiles
def test_every_glyph_of_every_printed_edition_is_clear_of_the_paper_edge(printed):
    paths = [path for group in printed.values() for path in group]
    assert len(paths) == 28  # 5 editions, 2 of them also in Spanish, on 2 papers with 2 profiles
    for path in paths:
        for number, (_, _, lines) in enumerate(_pages(path), start=1):
            for text, _, _, left, right, top, bottom in lines:
                assert min(left, right, top, bottom) >= EDGE_PT - 0.5, (
                    path.name, number, text, [round(d / 72, 3) for d in (left, right, top, bottom)])


@pytest.mark.slow  # builds every printed edition in both languages on two papers with two clinic profiles
def test_the_running_footer_keeps_a_line_of_white_above_it(printed):
    """The running footer (the PDF's artifacts at the foot of the page, read by
    pagegeometry) and the lowest body line above it: at least one line of the footer's size
    of white between their glyphs."""
    from publisher.verify.pagegeometry import measure_pdf
    checked = 0
    for path in [p for group in printed.values() for p in group]:
        with PdfFile(path.read_bytes(), shapes=True) as file:
            measured = measure_pdf(file)
        for page in measured.pages:
            footer = [line for line in page.lines if line.column == "margin" and line.y0 > page.paper_height / 2]
            body = [line for line in page.lines if line.column != "margin"]
            if not footer or not body:  # the booklet's title page has no footer
                continue
            size = max(s for line in footer for s in line.sizes)  # px
            white = min(line.y0 for line in footer) - max(line.y1 for line in body)
            assert white >= size - 0.5, (path.name, page.index + 1, white * 0.75, size * 0.75)
            checked += 1
    assert checked > 100


@pytest.mark.slow  # builds every printed edition in both languages on two papers with two clinic profiles
def test_the_page_budgets_hold(printed):
    counts = {}
    for (paper, profile), paths in printed.items():
        for path in paths:
            with PdfFile(path.read_bytes()) as file:
                counts[(paper, profile, path.name.replace("-a4", ""))] = len(file.page_sizes)
    for paper in ("letter", "a4"):
        for profile in ("default", "riverside"):
            for lang in ("", ".es"):
                assert counts[(paper, profile, f"neuroplasticity-patient-handout{lang}.pdf")] == 2
            assert counts[(paper, profile, "neuroplasticity-patient-handout-bilingual.pdf")] == 4
            assert counts[(paper, profile, "neuroplasticity-clinician-summary.pdf")] == 2
    assert counts[("letter", "default", "neuroplasticity-patient-handout-large-print.pdf")] <= 6


def test_publish_check_finds_text_in_the_unprintable_edge(tmp_path):
    """A PDF made elsewhere, its footer at the paper's foot and its text 0.1 in from the left:
    `publish check` (pagegeometry) says g-012 for each page, naming the footer."""
    html = "<html lang='en'><head><title>T</title></head><body>" + "<p>Some words of the page here.</p>" * 4 + "</body></html>"
    css = ("@page { size: letter; margin: 0.5in 0.5in 0.5in 0.1in; @bottom-left { content: 'Clinic footer line'; "
           "vertical-align: bottom; font-size: 9pt } }")
    path = tmp_path / "edge.pdf"
    weasyprint.HTML(string=html).write_pdf(path, stylesheets=[weasyprint.CSS(string=css)], pdf_variant="pdf/ua-1")
    result = CliRunner().invoke(publish.cli, ["check", str(path)])
    found = [line for line in result.output.splitlines() if line.startswith("g-012")]
    assert len(found) == 1 and "page 1" in found[0] and "edge.pdf" in found[0], result.output
    assert "[warning]" in found[0] and "0.25 in" in found[0]


def test_a_three_line_large_print_footer_gets_the_deeper_margin(tmp_path):
    """A clinic name too long to share the 18 pt line with its phone: the footer has three
    lines, and the page takes the deeper bottom margin (as with a note), so the footer keeps
    0.25 in of paper below it and a line of white above it on full pages."""
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    from publisher.verify.pagegeometry import measure_pdf
    clinic = tmp_path / "clinic.yaml"
    text = (ROOT / "source" / "clinic.yaml").read_text(encoding="utf-8")
    clinic.write_text("\n".join("name: Greater Springfield Family Health Clinic" if line.startswith("name:") else line
                                for line in text.splitlines()) + "\n", encoding="utf-8")
    result = build_editions(Project(ROOT), BuildOptions(topics=["neuroplasticity"], langs=["en"], clinic_file=clinic,
                                                        editions=["patient-handout-large-print"], out_dir=tmp_path / "out"))
    assert not [f for f in result.findings if f.code == "g-012"], result.findings
    (path,) = [o.path for o in result.outputs]
    with PdfFile(path.read_bytes(), shapes=True) as file:
        measured = measure_pdf(file)
    for page in measured.pages:
        footer = [line for line in page.lines if line.column == "margin"]
        body = [line for line in page.lines if line.column != "margin"]
        assert len(footer) == 3, [line.text for line in footer]
        assert (page.paper_height - max(line.y1 for line in footer)) * 0.75 >= EDGE_PT - 0.5
        assert min(line.y0 for line in footer) - max(line.y1 for line in body) >= 24  # an 18 pt line (px)
