"""Issue 12, the measures of the page in every edition, language and paper: lines of 45-80
characters on average in each language (Letter and A4), blank gaps inside a column (g-011),
the page checks of `publish check` on a PDF alone, the printed booklet's first page and the
large-print footer.

Documents are rendered in memory (the writer's own `render_document`, the layout the build
checks) and measured with `publisher.verify.layout`; builds go to tmp_path folders."""
from __future__ import annotations

from dataclasses import replace

import pytest

from publisher.clinic import read_clinic
from publisher.project import load_editions, load_topics
from publisher.render import render_edition
from publisher.select import select_sections
from publisher.translations import select_bilingual, select_in
from publisher.verify import layout
from publisher.verify.pagegeometry import ON_PDF
from publisher.writers.pdf import render_document

from conftest import SLEEP_TOPIC, TINY_TOPIC, output, page_faults


@pytest.fixture(scope="module")
def topics(project):
    return load_topics(project, ["neuroplasticity", "sleep-hygiene", "tiny"], extra_dirs=[SLEEP_TOPIC, TINY_TOPIC])


@pytest.fixture(scope="module")
def editions(project):
    return load_editions(project)


def laid_out(project, doc):
    """The laid-out pages of one document, as the build checks them."""
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)
    document, _ = render_document(rendered)
    return document, layout.measure(document)


def selection(topics, editions, topic: str, edition: str, lang: str | None, paper: str):
    edition_ = editions[edition]
    if edition_.bilingual:
        doc = select_bilingual(topics[topic], edition_)
    elif lang:
        doc = select_in(topics[topic], edition_, lang)
    else:
        doc = select_sections(topics[topic], edition_)
    return replace(doc, paper=paper)


# --- 3. line length: 45-80 characters in every language, on Letter and A4 -------------------

@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("edition,lang", [("patient-handout", None), ("patient-handout", "es"),
                                          ("patient-handout-bilingual", None)])
def test_two_column_handouts_average_45_to_80_characters_a_line_in_each_language(project, topics, editions,
                                                                                 edition, lang, paper):
    """The two-column handouts are the narrow ones (Spanish A4 averaged 43-44 with Letter's
    margins); the bilingual handout is measured per language part."""
    _, measured = laid_out(project, selection(topics, editions, "neuroplasticity", edition, lang, paper))
    averages = layout.average_lines(measured)
    expected = {"en-US", "es"} if edition.endswith("bilingual") else {lang or "en-US"}
    assert set(averages) == expected
    for value in averages.values():
        assert 45 <= value <= 80, averages
    assert not [f for f in layout.check_measure(measured)]
    # On A4 the side margins are narrower than on Letter (A4 is 0.23 in narrower): the
    # columns are as wide on both papers.
    page = measured.pages[0]
    widths = {round((c.width * layout.PT) / 72, 2) for c in page.columns}
    assert all(3.65 <= w <= 3.8 for w in widths), widths


def test_measure_is_checked_in_each_language_of_a_bilingual_handout(project, topics, editions, tmp_path):
    """g-008 names the Spanish half when only its lines are short (a narrower second sheet)."""
    layouts = tmp_path / "layouts"
    import shutil
    shutil.copytree(project.layouts_dir, layouts)
    css = layouts / "styles" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.second-language .flow { padding-right: 1.6in; }\n",
                   encoding="utf-8")
    doc = selection(topics, editions, "neuroplasticity", "patient-handout-bilingual", None, "letter")
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=layouts)
    document, _ = render_document(rendered)
    measured = layout.measure(document)
    averages = layout.average_lines(measured)
    assert averages["en-US"] >= 45 and averages["es"] < 45
    found = layout.check_measure(measured)
    assert len(found) == 1 and found[0].code == "g-008" and "section 'es-" in found[0].message


# --- 1. blank gaps inside a column (g-011) ---------------------------------------------------

PICTURE = ("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='100' height='300'%3E"
           "%3Crect width='100' height='300' fill='%23369'/%3E%3C/svg%3E")


def gaps_in(body: str, css: str = "") -> list:
    import weasyprint
    html = (f"<html lang='en'><body><section aria-labelledby='s1'><h2 id='s1'>One</h2>{body}</section>"
            "</body></html>")
    style = "@page { size: 6in 8in; margin: 0.5in } body { font-size: 12pt; line-height: 1.4 } " + css
    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=style)])
    return [f for f in layout.check_layout(document) if f.code == "g-011"]


def test_g011_names_page_and_section_of_a_blank_gap_taller_than_four_lines():
    found = gaps_in("<p>Before the gap.</p><p style='margin-top: 2in'>After the gap.</p>")
    assert len(found) == 1
    assert found[0].message.startswith("page 1, section 's1': a blank gap of 2.0 in")
    assert "'Before the gap.' and 'After the gap.'" in found[0].message
    # Four lines' space (12 pt x 1.4 each, 0.93 in) is allowed; five are not.
    assert gaps_in("<p>Before.</p><p style='margin-top: 0.85in'>After.</p>") == []
    assert len(gaps_in("<p>Before.</p><p style='margin-top: 1.2in'>After.</p>")) == 1


def test_g011_does_not_count_a_picture_a_box_or_the_foot_of_the_column():
    assert gaps_in(f"<p>Before the picture.</p><img src=\"{PICTURE}\" alt='A chart'/><p>After it.</p>") == []
    assert gaps_in("<p>Before the box.</p><div style='background: #eef; height: 3in'></div><p>After it.</p>") == []
    # A column that ends early (a block too tall for what is left moved to the next page).
    assert gaps_in("<p>First page.</p><div style='break-inside: avoid; height: 6.5in'><p>Next page.</p></div>") == []
    # Two columns: the short right column's foot is the end of that column, not a gap.
    assert gaps_in("<div style='columns: 2; column-fill: auto; height: 5in'>" + "<p>Some words here.</p>" * 12
                   + "</div>") == []


def test_custom_summaries_have_no_blank_gap(tmp_path):
    """The issue's custom large-print summary (with the clinic's QR code and local lines), the
    same on A4, and a clinician summary: the page checks find nothing (g-011 included)."""
    from click.testing import CliRunner
    import publish
    from conftest import ROOT
    riverside = str(ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml")
    for n, args in enumerate([["--audience", "patient", "--large-print", "--clinic", riverside],
                              ["--audience", "patient", "--large-print", "--paper", "a4"],
                              ["--audience", "clinician", "--section", "ltp-ltd"]]):
        res = CliRunner().invoke(publish.cli, ["summary", "neuroplasticity", "--section", "depression", "--section",
                                               "exercise-and-neuroplasticity", *args, "-o", str(tmp_path / f"{n}.pdf")])
        assert res.exit_code == 0, res.output
        assert page_faults(res.output.splitlines()) == [], res.output
    # Read back from disk by `publish check` too: the clinician summary's Depression (a
    # subsection whose parent holds a table it does not show) flows in the two columns, not
    # at half width beside a blank right column (a 3.7 in gap the PDF's geometry shows).
    assert page_faults(_check(sorted(tmp_path.glob("*.pdf")))) == []


# --- 4. the printed booklet's first page: title, disclaimer and the first section -----------

def _page_lines_pdfminer(path, number: int):
    """(text, y0, page height) of every text line of one page (pdfminer.six, independent of
    our own reader)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer, LTTextLineHorizontal
    page = next(p for i, p in enumerate(extract_pages(path), start=1) if i == number)
    lines = []

    def walk(item):
        if isinstance(item, LTTextLineHorizontal):
            lines.append((item.get_text().strip(), item.y0))
        elif isinstance(item, LTTextContainer):
            for child in item:
                walk(child)

    for item in page:
        walk(item)
    return [(text, y0, page.height) for text, y0 in lines if text]


@pytest.mark.parametrize("topic", ["tiny", "neuroplasticity"])
def test_booklet_first_page_holds_the_disclaimer_and_the_first_section(topic, tiny_built, built, topics, editions):
    """The title page carries the disclaimer and the first section follows it on that page,
    so a short topic's first page is not left mostly blank (nor is a long one's)."""
    path = (tiny_built[1] / "tiny" / "tiny-booklet-print.pdf") if topic == "tiny" else \
        output(built, "neuroplasticity", "booklet-print")
    doc = select_sections(topics[topic], editions["booklet-print"])
    disclaimer, first = doc.sections[0], doc.sections[1]
    assert disclaimer.kind == "disclaimer"
    lines = _page_lines_pdfminer(path, 1)
    texts = [" ".join(text.split()) for text, _, _ in lines]
    assert disclaimer.body.title in texts and first.body.title in texts
    assert texts.index(first.body.title) > texts.index(disclaimer.body.title)
    # Text reaches the lower third of the page (no footer on the title page).
    lowest = min(y0 for _, y0, _ in lines)
    assert lowest < lines[0][2] / 3, (lowest, lines[0][2])


# --- 2. the page checks of `publish check` on a PDF alone ------------------------------------

def _check(paths) -> list[str]:
    """The finding lines `publish check` prints for the given files."""
    from click.testing import CliRunner
    import publish
    res = CliRunner().invoke(publish.cli, ["check", *map(str, paths)])
    assert res.exit_code in (0, 7), res.output
    return [line for line in res.output.splitlines() if line[:2] in ("g-", "p-", "s-", "v-", "l-")]


@pytest.mark.parametrize("code", sorted(set(ON_PDF) - {"g-003"}))  # g-003's fixture is an error: nothing is written
def test_publish_check_finds_the_page_faults_of_a_built_pdf_with_the_same_code(code, tmp_path, monkeypatch):
    """Each g- fixture that the build warns about, built, then checked as a file on disk:
    `publish check` finds the same code on the same page (it reads only the PDF)."""
    from click.testing import CliRunner
    import shlex
    import publish
    from findings_fixtures import FIXTURES, expected_lines, make_project
    root = make_project(code, tmp_path / "project")
    monkeypatch.chdir(root)
    extra = shlex.split((FIXTURES / code / "args.txt").read_text())
    built = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", "out", *extra])
    assert built.exit_code == 0, built.output
    wanted = {(line.split()[0], line.split(": ")[1].split(",")[0]) for line in expected_lines(code)}  # (code, page N)
    assert wanted and all(c == code for c, _ in wanted)
    pdfs = sorted((root / "out").rglob("*.pdf"))
    lines = _check(pdfs)
    found = {(line.split()[0], line.split(": ")[1].split(",")[0]) for line in lines if line.startswith("g-")}
    assert wanted <= found, lines


def test_publish_check_finds_no_page_fault_in_the_built_topics(built, tiny_built):
    """Every printed edition of the bundled topic (both languages), the sleep topic and the
    tiny one, read back from disk: no g- finding but what the build found, the bundled
    large-print handouts' tall safety block, said in the same words."""
    pdfs = sorted(built[0].rglob("*.pdf")) + sorted(tiny_built[1].rglob("*.pdf"))
    assert len(pdfs) >= 15
    lines = _check(pdfs)
    assert page_faults(lines) == []
    said = sorted(line.split(": ", 2)[2].split(". Hint")[0] for line in lines if line.startswith("g-004"))
    by_build = sorted(f.message.split(": ", 1)[1] for f in built[1].findings if f.code == "g-004")
    assert said == by_build and len(said) == 2


def test_publish_check_measures_the_pages_as_the_build_does(built):
    """The PDF-side measure agrees with the layout's: the same pages, the same average line
    per language (within a character) and the same empty shares (within 5 points)."""
    from publisher.verify.pagegeometry import measure_pdf
    from publisher.verify.pdfread import PdfFile
    for edition, lang in (("patient-handout", "es"), ("patient-handout-large-print", None), ("booklet-print", None)):
        path = output(built, "neuroplasticity", edition, lang)
        with PdfFile(path.read_bytes(), shapes=True) as file:
            from_pdf = measure_pdf(file)
        result = built[1]
        assert not page_faults(f"{f.code} {f.message}" for f in result.findings if path.name in (f.file or ""))
        averages = layout.average_lines(from_pdf)
        assert set(averages) == {lang or "en-US"}
        assert all(45 <= v <= 80 for v in averages.values()), averages
        assert max(layout.empty_share(p) for p in from_pdf.pages[:-1]) <= 1 / 3


def test_publish_check_finds_a_blank_right_column_beside_a_half_width_section(tmp_path):
    """A PDF made elsewhere: one column of text at the left half of a two-column page, under
    two columns: the right column's blank gap is a g-011 that `publish check` names."""
    import weasyprint
    words = "<p>Words of a paragraph that fill the column to its right edge and go on.</p>"
    html = ("<html lang='en'><head><title>T</title></head><body><main>"
            "<div style='columns: 2'><section aria-labelledby='a'><h2 id='a'>Top</h2>" + words * 6 + "</section></div>"
            "<section aria-labelledby='b'><h2 id='b'>Half width</h2>"
            "<div style='width: 45%'>" + words * 8 + "</div></section>"
            "<div style='columns: 2'><section aria-labelledby='c'><h2 id='c'>After</h2>" + words * 6 + "</section></div>"
            "</main></body></html>")
    path = tmp_path / "made-elsewhere.pdf"
    weasyprint.HTML(string=html).write_pdf(path, pdf_variant="pdf/ua-1",
                                           stylesheets=[weasyprint.CSS(string="@page { size: letter; margin: 0.5in }")])
    lines = _check([path])
    gaps = [line for line in lines if line.startswith("g-011")]
    assert len(gaps) == 1 and "page 1, section 'After'" in gaps[0] and "made-elsewhere.pdf" in gaps[0], lines


# --- 5. the large-print footer wraps cleanly --------------------------------------------------

def _footer_and_text(path):
    """Per page: (the running footer's lines, the lowest body line's foot, the footer's top),
    read from the PDF (verify.pagegeometry: artifacts are the footer)."""
    from publisher.verify.pagegeometry import measure_pdf
    from publisher.verify.pdfread import PdfFile
    with PdfFile(path.read_bytes(), shapes=True) as file:
        measured = measure_pdf(file)
    out = []
    for page in measured.pages:
        footer = sorted((line for line in page.lines if line.column == "margin"), key=lambda line: line.y0)
        body = [line for line in page.lines if line.column != "margin"]
        out.append(([" ".join(line.text.split()) for line in footer], max((line.y1 for line in body), default=0),
                    footer[0].y0 if footer else 0))
    return out


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_spanish_large_print_footer_wraps_cleanly_and_keeps_clear_of_the_text(project, paper, tmp_path):
    from publisher.build import BuildOptions, build_editions
    result = build_editions(project, BuildOptions(topics=["neuroplasticity"], editions=["patient-handout-large-print"],
                                                  langs=["es"], paper=paper, out_dir=tmp_path))
    path = next(o.path for o in result.outputs if o.language == "es")
    pages = _footer_and_text(path)
    for number, (lines, text_foot, footer_top) in enumerate(pages, start=1):
        assert lines[0] == "Clínica de Salud Comunitaria · +1 555-010-0100"  # one line, the dot between
        assert len(lines) == 3, lines
        assert lines[-1].endswith(f"Página {number} de {len(pages)}")
        assert not [line for line in lines if line.startswith("·") or line.endswith("·")], lines
        # At least one 18 pt line (24 px) of white between the text and the footer.
        assert footer_top - text_foot >= 24, (number, footer_top, text_foot)


def test_a_footer_part_that_does_not_fit_takes_a_line_of_its_own(tiny_project, tmp_path):
    """A clinic name long enough that name and phone cannot share the 18 pt line: each on a
    line of its own, no separator at either end."""
    from publisher.build import BuildOptions, Project, build_editions
    from publisher.render import footer_lines, large_print_footer_width
    clinic = tiny_project / "source" / "clinic.yaml"
    text = clinic.read_text(encoding="utf-8")
    name = "Greater Springfield Family Health Clinic"
    clinic.write_text("\n".join(f"name: {name}" if line.startswith("name:") else line
                                for line in text.splitlines()) + "\n", encoding="utf-8")
    result = build_editions(Project(tiny_project), BuildOptions(editions=["patient-handout-large-print"],
                                                                langs=["en"], out_dir=tmp_path))
    lines = _footer_and_text(result.outputs[0].path)[0][0]
    assert lines[:2] == [name, "+1 555-010-0100"], lines
    assert not [line for line in lines if line.startswith("·") or line.endswith("·")], lines
    # The line-setting itself: parts share a line only when they fit it.
    width = large_print_footer_width("a4")
    assert footer_lines(["Short", "+1 555"], width, project_layouts()) == ["Short · +1 555"]
    assert footer_lines([name, "+1 555-010-0100"], width, project_layouts()) == [name, "+1 555-010-0100"]


def project_layouts():
    from conftest import ROOT
    return ROOT / "layouts"


def test_publish_check_finds_warning_signs_apart_from_the_crisis_box(tmp_path):
    """g-004 on a PDF alone: a safety block that fits on a page but was split (the fourth
    sign forced onto the next page; written, as the build writes, with one structure element
    for the section across the pages) is an error, as in the build."""
    import weasyprint
    from publisher.writers.pdfua import write_pdf
    signs = "".join(f"<li>Warning sign number {i}</li>" for i in range(6))
    html = (f'<html lang="en"><head><title>Made elsewhere</title></head><body><main>'
            f'<section><h2>Before</h2><p>{"Some text here. " * 30}</p></section>'
            f'<section class="seek-help"><h2>When to get help</h2><p>See a professional if you have any of these:</p>'
            f'<ul>{signs}</ul><section><h3>If you are in crisis</h3><p>Call or text 988.</p></section></section>'
            f'</main></body></html>')
    path = tmp_path / "made-elsewhere.pdf"
    css = "@page { size: letter; margin: 0.5in } li:nth-child(4) { break-before: page }"
    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=css)])
    path.write_bytes(write_pdf(document, identifier=b"0" * 32))
    lines = [line for line in _check([path]) if line.startswith("g-004")]
    assert len(lines) == 1 and lines[0].startswith("g-004 [error]"), lines
    assert "page 1, section 'When to get help'" in lines[0] and "split over pages 1-2" in lines[0], lines

