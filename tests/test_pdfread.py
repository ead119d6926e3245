"""Each PDF is read once (publisher/verify/pdfread.py), and that one reading is right.

pdfminer.six is the independent reader here (the product does not use it): it decodes the
fonts and lays out the glyphs on its own, and the product's structure-tree text and printed
lines must agree with it.
"""
from __future__ import annotations

import io
import math
from pathlib import Path

import pikepdf
import pytest

from publisher.clinic import read_clinic
from publisher.project import Project, load_editions, load_topics
from publisher.select import select_sections
from publisher.verify import check_bytes
from publisher.verify.pdf_content import scan_page
from publisher.verify.pdfread import PdfFile
from publisher.verify.text import words

from conftest import make_output

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
EDITIONS = ("patient-handout", "patient-handout-large-print")


@pytest.fixture(scope="module")
def tiny_pdfs():
    """{edition: (document, final bytes)} of the tiny topic's patient handouts, rendered once."""
    project = Project(ROOT)
    editions = load_editions(project)
    topic = load_topics(project, extra_dirs=[TINY])["tiny"]
    clinic = read_clinic(project.default_clinic)
    out = {}
    for edition in EDITIONS:
        doc = select_sections(topic, editions[edition])
        out[edition] = (doc, make_output(doc, clinic=clinic, project=project, name=f"{edition}.pdf").data)
    return out


# -- the independent reader ----------------------------------------------------------------

def pdfminer_marked_texts(data: bytes) -> dict[tuple[int, int], str]:
    """{(page index, MCID): text} as pdfminer.six decodes it."""
    from pdfminer.pdfdevice import PDFDevice
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Device(PDFDevice):
        def __init__(self, manager):
            super().__init__(manager)
            self.page, self.stack, self.texts = -1, [], {}

        def begin_page(self, page, ctm):
            self.page += 1
            self.stack = []

        def begin_tag(self, tag, props=None):
            mcid = props.get("MCID") if isinstance(props, dict) else None
            if getattr(tag, "name", "") == "Artifact":
                mcid = None
            elif mcid is None and self.stack:
                mcid = self.stack[-1]
            self.stack.append(mcid)

        def end_tag(self):
            if self.stack:
                self.stack.pop()

        def render_string(self, textstate, seq, ncs, graphicstate):
            mcid = self.stack[-1] if self.stack else None
            if mcid is None:
                return
            font = textstate.font
            chars = [font.to_unichr(cid) for obj in seq if isinstance(obj, bytes) for cid in font.decode(obj)]
            self.texts.setdefault((self.page, int(mcid)), []).append("".join(chars))

    manager = PDFResourceManager()
    device = Device(manager)
    interpreter = PDFPageInterpreter(manager, device)
    for page in PDFPage.get_pages(io.BytesIO(data)):
        interpreter.process_page(page)
    return {key: "".join(parts) for key, parts in device.texts.items()}


def pdfminer_chars(data: bytes) -> list[tuple[int, float, float, float, float, str, str]]:
    """(page, baseline, x0, x1, size, font name, text) of every glyph, as pdfminer lays it out."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar
    chars = []
    for number, page in enumerate(extract_pages(io.BytesIO(data)), start=1):
        stack = [page]
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                chars.append((number, item.matrix[5], item.x0, item.x1, item.size, item.fontname, item.get_text()))
            elif hasattr(item, "__iter__"):
                stack.extend(item)
    return chars


# -- the product's reading against it ------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
def test_marked_content_text_matches_pdfminer(tiny_pdfs, edition):
    _, data = tiny_pdfs[edition]
    theirs = pdfminer_marked_texts(data)
    with PdfFile(data) as pdf:
        ours = {(page, mcid): pdf.marked_text(page, mcid)
                for page, marks in enumerate(pdf.marks) for mcid in marks.shown}
    assert len(theirs) > 10
    assert {k: words(v) for k, v in ours.items()} == {k: words(v) for k, v in theirs.items()}


@pytest.mark.parametrize("edition", EDITIONS)
def test_printed_lines_match_pdfminer_glyphs(tiny_pdfs, edition):
    """Every glyph pdfminer finds lies on one of our lines, at that line's size, inside its
    horizontal extent; and our lines hold the same characters, page by page."""
    _, data = tiny_pdfs[edition]
    glyphs = pdfminer_chars(data)
    with PdfFile(data) as pdf:
        lines = pdf.lines()
    assert len(lines) > 5
    for page, baseline, x0, x1, size, font, text in glyphs:
        if not text.strip():
            continue
        line = next((ln for ln in lines if ln.page == page and abs(ln.baseline - baseline) < 0.2
                     and ln.x0 - 0.5 <= x0 and x1 <= ln.x1 + 0.5), None)
        assert line is not None, (page, baseline, x0, x1, text)
        assert text in line.text
        assert math.isclose(round(size, 1), line.size, abs_tol=0.05) or len(line.text.strip()) > 1
        assert ("italic" in font.lower()) <= line.italic
    ours = sorted(c for ln in lines for c in ln.text if c.strip())
    assert ours == sorted(g[6] for g in glyphs if g[6].strip())


def test_large_print_sizes_are_the_printed_sizes(tiny_pdfs):
    """18 pt body text is Tf 24 px scaled by WeasyPrint's 0.75 user-space matrix: the
    product's size is what pdfminer measures, not the Tf operand."""
    _, data = tiny_pdfs["patient-handout-large-print"]
    with PdfFile(data) as pdf:
        ours = {ln.size for ln in pdf.lines()}
    theirs = {round(g[4], 1) for g in pdfminer_chars(data) if g[6].strip()}
    assert ours == theirs
    assert min(ours) >= 18


def test_text_runs_follow_the_text_and_graphics_state():
    """Place, size and width of runs under cm, Tf, Td, TL/T*, TJ adjustments, Tz and q/Q."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Demo-Italic"),
        FirstChar=65, Widths=[500, 600]))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(
        b"q 2 0 0 2 10 20 cm BT /F1 10 Tf 5 6 Td (AB) Tj [(A) -1000 (B)] TJ 14 TL T* (A) Tj ET Q "
        b"BT /F1 12 Tf 50 Tz 1 0 0 1 100 100 Tm (AA) Tj ET")
    runs = scan_page(page, decode=True).runs
    # 2x scale, origin (10, 20); Td (5, 6) -> (20, 32); "AB" is 1.1 em of 10 pt in text space.
    assert [(r.x0, r.baseline, r.size) for r in runs[:2]] == [(20.0, 32.0, 20.0), (42.0, 32.0, 20.0)]
    assert math.isclose(runs[0].x1, 42.0)
    assert math.isclose(runs[1].x1, 42.0 + 2 * (5 + 10 + 6))  # -1000: one em further right
    assert (runs[2].x0, runs[2].baseline) == (20.0, 32.0 - 2 * 14)  # T*: next line, back at the line start
    assert (runs[3].x0, runs[3].baseline, runs[3].size) == (100.0, 100.0, 12.0)  # Q restored the CTM
    assert math.isclose(runs[3].x1, 100 + 2 * 500 / 1000 * 12 * 0.5)  # Tz 50: half as wide
    assert all(r.italic for r in runs)


# -- read once -----------------------------------------------------------------------------

def test_checks_of_the_one_reading_equal_checks_of_the_saved_bytes(tiny_pdfs):
    """The build checks the document it saved (with the reading level) without reading the
    bytes again; a fresh reading of those bytes finds the same."""
    doc, data = tiny_pdfs["patient-handout-large-print"]
    fresh = check_bytes(doc, data, name="x.pdf")
    project = Project(ROOT)
    again = make_output(doc, clinic=read_clinic(project.default_clinic), project=project, name="x.pdf")
    assert again.data == data
    assert [f.message for f in again.findings if f.code[0] in "prsl"] == [f.message for f in fresh]
    with PdfFile(data) as pdf:
        xmp = pdf.pdf.Root.Metadata.read_bytes().decode()
    assert "educationalLevel" in xmp and "Flesch-Kincaid grade" in xmp


def test_a_large_print_pdf_is_opened_once_after_it_is_written(tiny_pdfs, monkeypatch):
    """After WeasyPrint writes the file: one pikepdf open, for the PDF/UA repair; the
    repaired document is what every check reads (no second parse of the saved bytes);
    pdfminer.six is never used."""
    import pdfminer.pdfpage

    opened = []
    real_open = pikepdf.open
    monkeypatch.setattr(pikepdf, "open", lambda *a, **k: opened.append(1) or real_open(*a, **k))

    def refuse(*a, **k):
        raise AssertionError("pdfminer.six used by the build")

    monkeypatch.setattr(pdfminer.pdfpage.PDFPage, "get_pages", refuse)
    doc, data = tiny_pdfs["patient-handout-large-print"]
    project = Project(ROOT)
    rendered = make_output(doc, clinic=read_clinic(project.default_clinic), project=project, name="x.pdf")
    assert rendered.data == data
    assert len(opened) == 1
