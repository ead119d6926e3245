"""The Spanish patient handout with a full clinic profile (tests/fixtures/clinics/riverside.yaml:
logo, website, QR code, two local crisis lines) fits its one sheet (finding p-012 was: 3
pages): two Letter pages, no text under the stylesheet's body size but the running footer,
and the safety block whole in one column with both local lines (print.css, .safety-block)."""
from __future__ import annotations

import re

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar

from conftest import ROOT
from pdf_tags import page_texts
from publisher.build import BuildOptions, Project, build_editions

RIVERSIDE = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
SIGNS = ["Tristeza, falta de esperanza o sentirse vacío por más de dos semanas",
         "Pensamientos de hacerse daño o de suicidio"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`publish build --lang es --clinic riverside.yaml`, the two-sheet editions: the Spanish
    handout and the bilingual one (its Spanish sheet has the same title block and text)."""
    out = tmp_path_factory.mktemp("spanish-riverside")
    result = build_editions(Project(ROOT), BuildOptions(topics=["neuroplasticity"], langs=["es"], cache=False,
                                                        editions=["patient-handout", "patient-handout-bilingual"],
                                                        clinic_file=RIVERSIDE, out_dir=out))
    assert not [f for f in result.findings if f.is_error]
    return {o.edition: o for o in result.outputs}


@pytest.fixture(scope="module")
def handout(built):
    return built["patient-handout"]


def test_the_bilingual_handout_with_the_same_profile_is_two_sheets(built):
    bilingual = built["patient-handout-bilingual"]
    assert bilingual.pages == 4
    pages = page_texts(bilingual.path)
    assert "Cuándo buscar ayuda" in pages[3] and "Equipo de Crisis del Condado de Riverside" in pages[3]
    assert "When to get help" in pages[1] and "Riverside County Crisis Team" in pages[1]


def body_size() -> float:
    """The stylesheet's body text size (tokens.css --size-body), in points."""
    tokens = (ROOT / "layouts" / "styles" / "tokens.css").read_text(encoding="utf-8")
    return float(re.search(r"--size-body:\s*([\d.]+)pt", tokens)[1])


def chars(path):
    """(page number, size in pt, distance from the page's bottom in inches, character)."""
    for number, page in enumerate(extract_pages(path), start=1):
        stack = list(page)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                yield number, item.size, item.y0 / 72, item.get_text()
            stack.extend(getattr(item, "_objs", []) or [])


def test_spanish_handout_with_two_local_crisis_lines_is_one_letter_sheet(handout):
    assert handout.path.name == "neuroplasticity-patient-handout.es.pdf" and handout.pages == 2
    pages = list(extract_pages(handout.path))
    assert [tuple(round(v) for v in p.bbox) for p in pages] == [(0, 0, 612, 792)] * 2  # US Letter


def test_no_text_is_smaller_than_the_body_size_but_the_footer(handout):
    small = {(n, round(size, 1)) for n, size, above_bottom, c in chars(handout.path)
             if c.strip() and size < body_size() - 0.05 and above_bottom > 0.55}  # the footer sits in the bottom margin
    assert small == set()
    footer = {round(size, 1) for _, size, above_bottom, c in chars(handout.path) if c.strip() and above_bottom <= 0.55}
    assert footer == {9.0}  # print.css: the running footer's own size


def test_the_safety_block_is_whole_in_one_column_with_both_local_lines(handout):
    first, second = page_texts(handout.path)
    assert "Cuándo buscar ayuda" not in first
    start = second.index("Cuándo buscar ayuda")
    block = second[start:]
    for text in SIGNS + ["Si está en crisis", "llame o envíe un mensaje de texto al 988",
                         "Equipo de Crisis del Condado de Riverside: +1 217-555-0199 (abierto de día y de noche)",
                         "Línea de ayuda de la comunidad: 211 (comida, vivienda y servicios locales)"]:
        assert text in block, text
    # one column: every character of the block from its heading to the crisis box's last line
    # is in the right-hand column of page 2
    xs = []
    for n, page in enumerate(extract_pages(handout.path), start=1):
        if n != 2:
            continue
        stack = list(page)
        while stack:
            item = stack.pop()
            if hasattr(item, "get_text") and not isinstance(item, LTChar) and (
                    "Cuándo buscar ayuda" in item.get_text() or "Equipo de Crisis" in item.get_text()):
                xs.append(item.x0 / 72)
            stack.extend(getattr(item, "_objs", []) or [])
    assert xs and all(x > 4.0 for x in xs), xs


def test_the_qr_code_of_a_spanish_handout_opens_a_page_in_spanish(built, tmp_path):
    """The QR code opens the digital version in the handout's language: the Spanish web page
    where the topic's translations cover it (the tiny topic), else the bilingual web page (the
    bundled topic translates only its handout); an English handout still opens the English page."""
    from publisher.verify.text import pdf_text

    def caption(path) -> str:
        # The printed address (under the code since the caption's address keeps its host on
        # one line: pdfminer reads it after the title block; the tags keep it in the caption).
        text = "".join(pdf_text(path.read_bytes()).split())
        assert "Escaneeelcódigoovayaa" in text
        return re.search(r"(https://riverside\.example\.org/handouts/\S+?\.html)", text)[1]

    base = "https://riverside.example.org/handouts/"
    assert caption(built["patient-handout"].path) == \
        base + "neuroplasticity/neuroplasticity-patient-handout-bilingual-web.html"
    result = build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[ROOT / "tests" / "fixtures" / "topics"],
                                                        editions=["patient-handout"], clinic_file=RIVERSIDE,
                                                        cache=False, out_dir=tmp_path))
    files = {o.path.name: o.path for o in result.outputs}
    assert caption(files["tiny-patient-handout.es.pdf"]) == base + "tiny/tiny-web.es.html"
    english = "".join(pdf_text(files["tiny-patient-handout.pdf"].read_bytes()).split())
    assert (base + "tiny/tiny-web.html") in english


def test_a_spanish_summary_of_the_handouts_sections_is_the_handout_on_one_sheet(tmp_path):
    """`publish summary --lang es` choosing exactly the sections the handout shows makes the
    handout itself (its name, the topic's title and subtitle): one sheet with the Riverside
    profile. Its default title listing every section took three more lines at 19 pt (3 pages)."""
    from click.testing import CliRunner

    import publish
    from publisher.verify.text import pdf_text
    out = tmp_path / "summary.es.pdf"
    result = CliRunner().invoke(publish.cli, [
        "summary", "neuroplasticity", "--root", str(ROOT), "--audience", "patient", "--lang", "es",
        "--clinic", str(RIVERSIDE), "-o", str(out), "--section", "what-is-neuroplasticity", "--section", "research",
        "--section", "clinical-implications", "--section", "misconceptions"])
    assert result.exit_code == 0, result.output
    assert "(2 page(s)," in result.output and result.output.strip().endswith(
        "Neuroplasticidad y salud mental: Cómo el cerebro cambia, se adapta y sana")
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "Hoja para pacientes · Revisado el" in text and "Hoja personalizada" not in text
    # a choice of fewer sections is still a custom file, named and titled as one
    fewer = CliRunner().invoke(publish.cli, [
        "summary", "neuroplasticity", "--root", str(ROOT), "--audience", "patient", "--lang", "es",
        "-o", str(tmp_path / "fewer.es.pdf"), "--section", "research"])
    assert fewer.exit_code == 0, fewer.output
    assert "Hoja personalizada para pacientes" in " ".join(pdf_text((tmp_path / "fewer.es.pdf").read_bytes()).split())
