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
from publisher.verify import pdf_content
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


STATE_STREAM = (b"q 2 0 0 2 10 20 cm BT /F1 10 Tf 5 6 Td (AB) Tj [(A) -1000 (B)] TJ 14 TL T* (A) Tj ET Q "
                b"BT /F1 12 Tf 50 Tz 1 0 0 1 100 100 Tm (AA) Tj ET")
# The same text as WeasyPrint writes strings (hex): read by the fast reader, not by qpdf.
STATE_STREAM_HEX = STATE_STREAM.replace(b"(AB)", b"<4142>").replace(b"(AA)", b"<4141>") \
    .replace(b"(A)", b"<41>").replace(b"(B)", b"<42>")


def one_page_pdf(stream: bytes) -> pikepdf.Pdf:
    """A 200 pt page showing `stream`, with an italic Type1 font /F1 (A: 500, B: 600 units wide)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Demo-Italic"),
        FirstChar=65, Widths=[500, 600]))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(stream)
    return pdf


@pytest.mark.parametrize("stream, fast", [(STATE_STREAM, False), (STATE_STREAM_HEX, True)],
                         ids=["literal strings (qpdf)", "hex strings (fast reader)"])
def test_text_runs_follow_the_text_and_graphics_state(stream, fast):
    """Place, size and width of runs under cm, Tf, Td, TL/T*, TJ adjustments, Tz and q/Q,
    whichever reader reads the stream."""
    pdf = one_page_pdf(stream)
    page = pdf.pages[0]
    assert reads_fast(page) == fast
    runs = scan_page(page, decode=True).runs
    # 2x scale, origin (10, 20); Td (5, 6) -> (20, 32); "AB" is 1.1 em of 10 pt in text space.
    assert [(r.x0, r.baseline, r.size) for r in runs[:2]] == [(20.0, 32.0, 20.0), (42.0, 32.0, 20.0)]
    assert math.isclose(runs[0].x1, 42.0)
    assert math.isclose(runs[1].x1, 42.0 + 2 * (5 + 10 + 6))  # -1000: one em further right
    assert (runs[2].x0, runs[2].baseline) == (20.0, 32.0 - 2 * 14)  # T*: next line, back at the line start
    assert (runs[3].x0, runs[3].baseline, runs[3].size) == (100.0, 100.0, 12.0)  # Q restored the CTM
    assert math.isclose(runs[3].x1, 100 + 2 * 500 / 1000 * 12 * 0.5)  # Tz 50: half as wide
    assert all(r.italic for r in runs)


# -- the fast reader of content streams ------------------------------------------------------

def reads_fast(page) -> bool:
    """Whether the fast reader takes the page's content stream (else qpdf reads it)."""
    data = page.obj.Contents.read_bytes()
    try:
        pdf_content._fast_instructions(data, {op.encode(): op for op in pdf_content._SHAPE_OPERATORS.split()})
    except pdf_content._Unreadable:
        return False
    return True


def scan_summary(page, *, shapes: bool) -> tuple:
    """Everything scan_page finds on a page, as plain values."""
    marks = scan_page(page, decode=True, cmaps={}, shapes=shapes)
    return (marks.mcids, marks.unmarked, marks.artifact_in_tagged, marks.tagged_in_artifact, marks.graphics,
            [(r.mcid, r.artifact, r.baseline, r.x0, r.size, r.text, r.x1, r.font.name, r.italic) for r in marks.runs],
            sorted(marks.shown), marks.shapes)


def by_qpdf(monkeypatch, page, *, shapes: bool) -> tuple:
    """scan_summary with the fast reader turned off: every page read by qpdf."""
    def refuse(data, wanted):
        raise pdf_content._Unreadable
    with monkeypatch.context() as patch:
        patch.setattr(pdf_content, "_fast_instructions", refuse)
        return scan_summary(page, shapes=shapes)


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_fast_reader_reads_what_qpdf_reads(tiny_pdfs, edition, monkeypatch):
    """Every page WeasyPrint and the repair write is read by the fast reader, and it finds
    exactly what qpdf's parser finds: marks, text runs (text, place, size, width), shapes."""
    _, data = tiny_pdfs[edition]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            assert reads_fast(page)
            for shapes in (False, True):
                assert scan_summary(page, shapes=shapes) == by_qpdf(monkeypatch, page, shapes=shapes)


@pytest.mark.parametrize("stream", [
    b"BT /F1 10 Tf 1 0 0 1 5 5 Tm (AB) Tj ET",  # a literal string
    b"/Span <</MCID 0 /ActualText (AB)>> BDC BT /F1 10 Tf <41> Tj ET EMC",  # one in a property list
    b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q BT /F1 10 Tf <41> Tj ET",  # an inline image
    b"% a comment\nBT /F1 10 Tf <41> Tj ET",
    b"BT /F#31 10 Tf <41> Tj ET",  # a name with a # escape
    b"BT /F1 10 Tf 1 0 0 1 5-5 Tm <41> Tj ET",  # numbers not parted: one bad token
    b"/Span <</MCID 0 /Attr <</O /Layout>> >> BDC BT /F1 10 Tf <41> Tj ET EMC",  # a nested property list
    b"BT /F1 10 Tf [<41> [<42>]] TJ ET",  # a nested array
    b"BT /F1 10 Tf <41> Tj ET 12",  # operands without an operator at the end
    b"BT /F1\x0010 Tf <41> Tj ET",  # NUL: PDF white space
    b"BT /F1 10 Tf <41> Tj ET /F\xe91 Do",  # a name with a raw byte outside ASCII
    b"/Span <</MCID 99999999999999999999999>> BDC BT /F1 10 Tf <41> Tj ET EMC",  # a number past 64 bits
    b"BT /F1 10 Tf [<41> /N <42>] TJ ET",  # a name in a TJ array
    b"BT /F1 10 Tf [<41> abc <42>] TJ ET",  # a word in a TJ array
    b"BT /F1 10 Tf [<41> 1e3 <42>] TJ ET",  # no exponents in PDF numbers
    b"BT /F1 10 Tf [<41> 1-2 <42>] TJ ET",  # numbers not parted, in an array
    b"/P <</MCID 0>> null BDC BT /F1 10 Tf <41> Tj ET EMC",  # null is an operand, not an operator
    b"/Artifact BMC true 0 0 10 10 re f EMC",  # so is true
    b"BT /F1 10 Tf false Tj ET",  # and false
    b"q 9223372036854775808 0 0 1 0 0 cm BT /F1 10 Tf <41> Tj ET Q",  # an integer past 64 bits
    b"BT /F1 10 Tf [<41> 99999999999999999999 <42>] TJ ET",  # one in an array
], ids=["literal", "literal in properties", "inline image", "comment", "escaped name", "glued numbers",
        "nested dictionary", "nested array", "trailing operand", "NUL", "raw byte in a name", "huge MCID",
        "name in an array", "word in an array", "exponent in an array", "glued numbers in an array",
        "null operand", "true operand", "false operand", "integer past 64 bits", "huge integer in an array"])
def test_other_syntax_is_read_by_qpdf(stream, monkeypatch):
    """Syntax WeasyPrint does not write leaves the page to qpdf, whole: the scan is qpdf's
    (what it reads, or the error it stops with: a word in a TJ array is no PDF object)."""
    pdf = one_page_pdf(stream)
    page = pdf.pages[0]
    assert not reads_fast(page)

    def outcome(read):
        try:
            return read()
        except Exception as exc:  # noqa: BLE001 - compared, not hidden
            return type(exc)
    for shapes in (False, True):
        assert outcome(lambda: scan_summary(page, shapes=shapes)) == \
            outcome(lambda: by_qpdf(monkeypatch, page, shapes=shapes))


@pytest.mark.parametrize("streams, text", [
    ([b"BT /F1 10 Tf <41 42> Tj ET"], "AB"),  # white space inside a hex string is ignored
    ([b"BT /F1 10 Tf [<41\n42> -100 <41>] TJ ET"], "ABA"),  # a line break too
    ([b"BT /F1 10 Tf <414> Tj ET"], "A@"),  # an odd last digit is followed by 0: <40> is "@"
    ([b"BT /F1 10 Tf <41", b"42> Tj ET"], "AB"),  # one string across two content streams
], ids=["spaces", "line break", "odd digit", "two streams"])
def test_hex_strings_as_the_standard_writes_them(streams, text, monkeypatch):
    """Hex strings however ISO 32000-1 (7.3.4.3) allows them are read by the fast reader,
    to the same text as qpdf's parser gives."""
    pdf = one_page_pdf(b"")
    page = pdf.pages[0]
    page.obj.Resources.Font.F1.ToUnicode = pdf.make_stream(
        b"begincmap 1 begincodespacerange <00> <FF> endcodespacerange "
        b"1 beginbfrange <20> <7E> <0020> endbfrange endcmap")
    page.obj.Contents = pikepdf.Array([pdf.make_stream(s) for s in streams]) if len(streams) > 1 \
        else pdf.make_stream(streams[0])
    assert "".join(r.text for r in scan_page(page, decode=True).runs) == text
    assert scan_summary(page, shapes=True) == by_qpdf(monkeypatch, page, shapes=True)


@pytest.mark.parametrize("stream", [b"BT /F1 10 Tf /Foo Tj ET", b"BT /F1 10 Tf <</A 1>> Tj ET",
                                    b"BT /F1 10 Tf 5 Tj ET"], ids=["name", "dictionary", "number"])
def test_an_operand_that_is_no_string_shows_nothing(stream, monkeypatch):
    """`Tj` given a name, a dictionary or a number: an empty run, read alike by both readers
    (and no error when its text is asked for)."""
    pdf = one_page_pdf(stream)
    page = pdf.pages[0]
    assert [r.text for r in scan_page(page, decode=True).runs] == [""]
    assert scan_summary(page, shapes=True) == by_qpdf(monkeypatch, page, shapes=True)


def test_contents_that_are_not_a_stream_are_read_by_qpdf(monkeypatch):
    """A page whose /Contents is a dictionary: qpdf's reading, as before (nothing on it)."""
    pdf = one_page_pdf(b"")
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_indirect(pikepdf.Dictionary(Foo=1))
    assert scan_summary(page, shapes=True) == by_qpdf(monkeypatch, page, shapes=True)
    assert scan_page(page, decode=True).runs == []


def test_property_lists_and_names_the_fast_reader_takes(monkeypatch):
    """Names parted by "/" only, marked content with a named or inline property list, and
    an artifact's type and subtype are read as qpdf reads them."""
    stream = (b"/Artifact << /Type /Pagination /Subtype /Footer >> BDC BT /F1 10 Tf <41> Tj ET EMC "
              b"/P/MC0 BDC BT /F1 10 Tf 1 0 0 1 5 5 Tm <42> Tj ET EMC "
              b"/Span <</MCID 7>> BDC BT /F1 10 Tf <4141> Tj ET EMC")
    pdf = one_page_pdf(stream)
    page = pdf.pages[0]
    page.obj.Resources.Properties = pikepdf.Dictionary(MC0=pikepdf.Dictionary(MCID=4))
    assert reads_fast(page)
    marks = scan_page(page, decode=True)
    assert marks.mcids == [4, 7]
    assert [r.artifact for r in marks.runs] == [("/Pagination", "/Footer"), None, None]
    assert [(r.mcid, len(r.raw)) for r in marks.runs] == [(None, 1), (4, 1), (7, 2)]
    assert scan_summary(page, shapes=True) == by_qpdf(monkeypatch, page, shapes=True)


@pytest.mark.parametrize("stream", [
    b"1" * 200_000 + b" (",  # a number that never ends in an operator
    b"[" + b"<00>" * 50_000,  # an array that is never closed
    b"<<" + b"/A 1 " * 50_000,  # a property list that is never closed
    b"1 " * 100_000 + b"(",  # operands, then syntax the fast reader does not take
    b"[<0 " + b"1" * 100_000 + b"] TJ",  # a hex string that never ends, in an array
], ids=["long number", "open array", "open dictionary", "many operands", "open hex string"])
def test_the_fast_reader_gives_up_on_long_bad_streams(stream):
    """Bad syntax at the end of a long stream: the fast reader stops at the first token it
    cannot read (its expressions never backtrack), and qpdf is left to judge the stream."""
    with pytest.raises(pdf_content._Unreadable):
        pdf_content._fast_instructions(stream, {b"Tj": "Tj", b"TJ": "TJ"})


def test_a_property_list_with_long_white_space_is_read_in_one_pass():
    """200,000 spaces or line breaks in a property list: read (its items are matched one after
    another, never tried again at every byte)."""
    for white in (b" ", b"\n"):
        stream = b"/P <</MCID 3" + white * 200_000 + b">> BDC 0 0 1 1 re f EMC"
        assert pdf_content._fast_instructions(stream, {b"BDC": "BDC"}) == [("BDC", ["/P", {"/MCID": 3}])]
        with pytest.raises(pdf_content._Unreadable):  # a name and no value: qpdf's to judge
            pdf_content._fast_instructions(b"/P <</A" + white * 200_000 + b">> BDC", {b"BDC": "BDC"})


def test_fonts_with_endless_or_huge_maps_are_read_in_bounds():
    """A ToUnicode CMap with bfchar blocks that never end, or bfrange arrays that never
    close, and a CID font whose /W gives one width to four billion codes: read in linear
    time and bounded memory (at most 65,536 codes a range)."""
    pdf = pikepdf.new()

    def font(cmap: bytes, **entries) -> pdf_content.ToUnicode:
        return pdf_content.ToUnicode(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, ToUnicode=pdf.make_stream(cmap), **entries))
    assert font(b"beginbfchar <01> <0041> endbfchar" + b"beginbfchar " * 100_000).map == {1: "A"}
    assert font(b"beginbfrange " + b"<1> <2> [" * 100_000 + b"endbfrange").map == {}
    ranged = font(b"beginbfrange <0000> <FFFFFFFF> <0041> endbfrange")
    assert len(ranged.map) == 0x10000 and ranged.map[0] == "A"
    cid = font(b"", DescendantFonts=[pikepdf.Dictionary(W=[0, 4294967295, 500])])
    assert len(cid.widths) == 0x10000 and cid.widths[65535] == 500.0


def test_a_long_spaced_hex_string_is_read_in_one_pass():
    """A TJ array with a hex string of 99,999 digits (an odd count) and a space: its text and
    adjustments are read (the expressions that read them never backtrack)."""
    array = b"[<4 " + b"1" * 99_998 + b"> -250]"
    assert pdf_content._shown(array) == bytes.fromhex("4" + "1" * 99_998 + "0")
    assert pdf_content._adjustments(array) == -250.0


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
