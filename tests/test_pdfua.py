"""PDF/UA-1: the repairs of publisher.writers.pdfua (WeasyPrint 70's gaps 1-6 and 9,
STANDARDS.md section 3) on the real outputs and on small HTML fixtures, and the reading
order of the structure tree (its heading sequence is the edition's)."""
from __future__ import annotations

import logging
import re
from pathlib import Path

import pikepdf
import pytest
import weasyprint

from publisher.build import BuildOptions, build_editions, load_editions, load_topics
from publisher.clinic import read_clinic
from publisher.render import render_edition
from publisher.select import select_sections
from publisher.verify.pdf import check, heading_sequence, name_tree
from publisher.verify.pdfread import PdfFile
from publisher.writers import pdf as pdf_writer
from publisher.writers.pdf import capture_logs
from publisher.writers.pdfua import write_pdf

from conftest import ROOT, SLEEP_TOPIC, output

FIXTURES = ROOT / "tests" / "fixtures" / "pdf"
PDF_EDITIONS = [("neuroplasticity", "patient-handout"), ("neuroplasticity", "clinician-summary"),
                ("sleep-hygiene", "patient-handout"), ("sleep-hygiene", "clinician-summary")]


def fixture_pdf(name: str) -> tuple[bytes, list[logging.LogRecord]]:
    """Render a fixture HTML file with WeasyPrint and write it through the PDF/UA repairs."""
    with capture_logs() as records:
        html = (FIXTURES / name).read_text(encoding="utf-8")
        document = weasyprint.HTML(string=html, base_url=str(FIXTURES) + "/").render()
        data = write_pdf(document, identifier=b"0123456789abcdef0123456789abcdef")
    return data, records


@pytest.fixture(scope="module")
def repairs():
    data, records = fixture_pdf("repairs.html")
    return data, records


def open_pdf(data_or_path) -> pikepdf.Pdf:
    if isinstance(data_or_path, Path):
        return pikepdf.open(data_or_path)
    import io
    return pikepdf.open(io.BytesIO(data_or_path))


def elements(tagged: PdfFile, tag: str) -> list:
    return [e for e in tagged.elements if e.S == pikepdf.Name(tag)]


def kid_elements(element) -> list:
    kids = element.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]


# --- every condition on the real outputs --------------------------------------------------

@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_real_outputs_meet_every_pdfua_condition(built, topic, edition):
    assert check(output(built, topic, edition).read_bytes(), name=f"{topic}-{edition}") == []


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_footer_and_page_numbers_are_pagination_artifacts(built, topic, edition):
    with open_pdf(output(built, topic, edition)) as pdf:
        tagged = PdfFile.of(pdf)
        pages = len(pdf.pages)
        for number, marks in enumerate(tagged.marks, start=1):
            footer = [text for kind, sub, text in marks.artifact_texts() if (kind, sub) == ("/Pagination", "/Footer")]
            assert f"Page {number} of {pages}" in footer
            # the review date as a reader reads it ("November 1, 2026"; i18n.date_words)
            assert any(re.search(r"Community Health Clinic · .*Reviewed \w+\s\d{1,2},\s\d{4}$", t) for t in footer)
        document_text = tagged.text(tagged.elements[0])
        assert "Page 1 of" not in document_text  # the footer is not read as content


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_no_untagged_content(built, topic, edition):
    """Every painting operator is in tagged content or an artifact, and every MCID maps
    through /StructParents and the ParentTree to an element reachable from the root."""
    with open_pdf(output(built, topic, edition)) as pdf:
        tagged = PdfFile.of(pdf)
        for page, marks in zip(pdf.pages, tagged.marks):
            assert marks.unmarked == {}
            assert marks.artifact_in_tagged == marks.tagged_in_artifact == 0
            owners = tagged.parents[int(page.obj.StructParents)]
            assert marks.mcids
            for mcid in marks.mcids:
                assert owners[mcid].objgen in tagged.reachable
            # Decorative graphics (callout boxes, rules, table borders) are artifacts;
            # without links nothing but text is painted inside tagged content.
            assert marks.graphics.get("tagged", 0) == 0 and marks.graphics.get("none", 0) == 0
        assert sum(m.graphics.get("artifact", 0) for m in tagged.marks) > 0


@pytest.mark.parametrize("topic", ["neuroplasticity", "sleep-hygiene"])
def test_callouts_are_sections_with_their_heading(built, topic):
    """The disclaimer box and the crisis box are Sect elements that start with their heading."""
    with open_pdf(output(built, topic, "patient-handout")) as pdf:
        tagged = PdfFile.of(pdf)
        openings = {}
        for sect in elements(tagged, "/Sect"):
            kids = kid_elements(sect)
            if kids and str(kids[0].S) in ("/H2", "/H3"):
                openings[tagged.text(kids[0])] = str(kids[0].S)
        disclaimer = "Please read first" if topic == "neuroplasticity" else "Medical Disclaimer"  # variant title
        assert openings.get(disclaimer) == "/H2"
        assert openings.get("If you are in crisis") == "/H3"
        assert not [e for e in elements(tagged, "/NonStruct")
                    if any(str(k.S) in ("/H2", "/H3") for k in kid_elements(e))]


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_lists_are_l_li_lbl_lbody(built, topic, edition):
    with open_pdf(output(built, topic, edition)) as pdf:
        tagged = PdfFile.of(pdf)
        lists = elements(tagged, "/L")
        assert lists
        for lst in lists:
            for item in kid_elements(lst):
                assert str(item.S) in ("/LI", "/L")
                if item.S == pikepdf.Name.LI:
                    assert [str(k.S) for k in kid_elements(item)] == ["/Lbl", "/LBody"]


def test_clinician_table_has_scopes_and_headers_through_the_idtree(built):
    with open_pdf(output(built, "sleep-hygiene", "clinician-summary")) as pdf:
        tagged = PdfFile.of(pdf)
        ids = name_tree(pdf.Root.StructTreeRoot.IDTree)
        (table,) = elements(tagged, "/Table")
        cells = [e for e in tagged.elements if str(e.S) in ("/TH", "/TD")
                 and _inside(e, table)]
        headers = [c for c in cells if c.S == pikepdf.Name.TH]
        assert [tagged.text(h) for h in headers] == ["Area", "What to ask", "General advice"]
        assert all(h.A.Scope == pikepdf.Name.Column for h in headers)
        data = [c for c in cells if c.S == pikepdf.Name.TD]
        assert len(data) == 12
        for index, cell in enumerate(data):
            (ref,) = list(cell.A.Headers)
            target = ids[bytes(ref)]
            assert target.objgen == headers[index % 3].objgen


def _inside(element, ancestor) -> bool:
    node = element.get("/P")
    while node is not None and isinstance(node, pikepdf.Dictionary):
        if node.objgen == ancestor.objgen:
            return True
        node = node.get("/P")
    return False


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_trailer_id_starts_with_the_content_identifier(built, topic, edition):
    with open_pdf(output(built, topic, edition)) as pdf:
        first, second = [bytes(x) for x in pdf.trailer.ID]
        assert re.fullmatch(rb"[0-9a-f]{32}", first) and len(second) == 16


def test_same_content_gives_the_same_bytes(project):
    topics = load_topics(project, ["sleep-hygiene"], [SLEEP_TOPIC])
    doc = select_sections(topics["sleep-hygiene"], load_editions(project)["patient-handout"])
    clinic = read_clinic(project.default_clinic)
    first, second = (pdf_writer.write(render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir)).data
                     for _ in range(2))
    assert first == second


def test_web_link_is_tagged_and_described_by_its_words(project, tmp_path):
    """Printed phone numbers are tagged text (issue 5); the printed booklet's colophon has a
    real link, to the clinic's website."""
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Test Clinic\nphone: \"+1 555-010-0100\"\nwebsite: https://test.example.org\n",
                      encoding="utf-8")
    result = build_editions(project, BuildOptions(editions=["booklet-print"], out_dir=tmp_path / "out",
                            topics=["sleep-hygiene"], topic_dirs=[SLEEP_TOPIC], clinic_file=clinic))
    with open_pdf(result.outputs[0].path) as pdf:
        tagged = PdfFile.of(pdf)
        links = [(page, a) for page in pdf.pages for a in page.obj.get("/Annots", [])
                 if "/A" in a and str(a.A.get("/URI", "")).startswith("https://test.example.org")]
        assert len(links) == 1
        page, annot = links[0]
        assert str(annot.Contents) == "Test Clinic website, https://test.example.org"
        assert page.obj.Tabs == pikepdf.Name.S
        owner = tagged.parents[int(annot.StructParent)]
        assert owner.S == pikepdf.Name.Link and owner.objgen in tagged.reachable
        assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR
                   and k.Obj.objgen == annot.objgen for k in owner.K)
        assert tagged.text(owner) == "Test Clinic website, https://test.example.org"
        assert check(result.outputs[0].path.read_bytes(), name="with-web-link") == []


# --- the reading order: the tree's headings are the edition's ------------------------------

def edition_headings(doc) -> list[tuple[int, str]]:
    """The heading sequence the templates emit for a selection: the title, then each
    section's title (a crisis section adds its callout's heading, an FAQ its questions),
    then the references."""
    out = [(1, doc.topic.title if doc.title == doc.topic.full_title else doc.title)]
    for top in doc.sections:
        for s in top.walk():
            out.append((s.level, s.body.title))
            if s.kind == "crisis":
                out.append((s.level + 1, s.body.crisis_title))
            if s.kind == "faq":
                out += [(s.level + 1, q.question) for q in s.body.questions]
    if doc.references:
        out.append((2, "Sources & References"))
    return [(min(level, 6), " ".join(text.split())) for level, text in out]


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_heading_sequence_in_the_tree_is_the_editions(built, project, topic, edition):
    topics = load_topics(project, [topic], [SLEEP_TOPIC])
    doc = select_sections(topics[topic], load_editions(project)[edition])
    with open_pdf(output(built, topic, edition)) as pdf:
        assert heading_sequence(pdf) == edition_headings(doc)


@pytest.mark.parametrize("topic,edition,ids", [
    ("sleep-hygiene", "patient-handout", ["bedroom", "faq"]),
    ("neuroplasticity", "clinician-summary", ["misconceptions", "brain-regions"]),
])
def test_heading_sequence_of_a_custom_selection(project, topic, edition, ids):
    topics = load_topics(project, [topic], [SLEEP_TOPIC])
    doc = select_sections(topics[topic], load_editions(project)[edition], section_ids=ids)
    rendered = render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)
    data = pdf_writer.write(rendered).data
    assert check(data, name="custom") == []
    with open_pdf(data) as pdf:
        sequence = heading_sequence(pdf)
    assert sequence == edition_headings(doc)
    assert len(sequence) > 3


# --- each repair on a small fixture --------------------------------------------------------

def test_fixture_passes_every_condition_without_renderer_errors(repairs):
    data, records = repairs
    assert check(data, name="repairs.html") == []
    assert [r.getMessage() for r in records if r.levelno >= logging.ERROR] == []


def test_decorative_image_is_a_layout_artifact_and_the_other_keeps_its_alt(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        tagged = PdfFile.of(pdf)
        assert [str(f.Alt) for f in elements(tagged, "/Figure")] == ["A small blue square"]
        artifacts = [dict(ops[1]) for ops, _ in pikepdf.parse_content_stream(pdf.pages[0], "BDC")
                     if ops[0] == pikepdf.Name.Artifact]
        assert {"/Type": pikepdf.Name.Layout} in artifacts
        # The image's paragraph keeps its words, not the image.
        paragraphs = [tagged.text(p) for p in elements(tagged, "/P")]
        assert "A decorative square sits before this text." in paragraphs


def test_inner_lang_reaches_the_structure_element(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        tagged = PdfFile.of(pdf)
        langs = {tagged.text(e): str(e.Lang) for e in tagged.elements if "/Lang" in e}
        assert langs == {"Si necesita ayuda, llame o envíe un mensaje de texto al 988.": "es"}
        assert str(pdf.Root.Lang) == "en-US"


def test_links_are_described_by_their_words(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        tagged = PdfFile.of(pdf)
        page = pdf.pages[0]
        assert page.obj.Tabs == pikepdf.Name.S
        described = {}
        for annot in page.obj.Annots:
            owner = tagged.parents[int(annot.StructParent)]
            assert owner.S == pikepdf.Name.Link
            target = str(annot.A.URI) if "/A" in annot else "#" + str(annot.Dest)
            described[target] = str(annot.Contents)
            assert str(annot.Contents) == tagged.text(owner)
        assert described == {"https://www.cdc.gov/sleep/index.html": "the CDC pages about sleep",
                             "#crisis": "the crisis help"}


def test_row_headers_get_row_scope_and_head_their_row(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        tagged = PdfFile.of(pdf)
        ids = name_tree(pdf.Root.StructTreeRoot.IDTree)
        row_table = elements(tagged, "/Table")[1]
        cells = [e for e in tagged.elements if str(e.S) in ("/TH", "/TD") and _inside(e, row_table)]
        pairs = []
        for cell in cells:
            if cell.S == pikepdf.Name.TH:
                assert cell.A.Scope == pikepdf.Name.Row
            else:
                (ref,) = list(cell.A.Headers)
                pairs.append((tagged.text(ids[bytes(ref)]), tagged.text(cell)))
        assert pairs == [("Bedtime", "10 pm"), ("Wake time", "6 am")]


def test_callout_in_an_aside_is_a_section_too(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        tagged = PdfFile.of(pdf)
        firsts = [tagged.text(kid_elements(s)[0]) for s in elements(tagged, "/Sect")]
        assert firsts == ["Medical Disclaimer", "If you are in crisis"]


def test_fixture_footer_is_pagination_artifacts(repairs):
    data, _ = repairs
    with open_pdf(data) as pdf:
        marks = PdfFile.of(pdf).marks[0]
        assert marks.artifact_texts()[-2:] == [
            ("/Pagination", "/Footer", "Repairs fixture · Test Clinic · Reviewed 2026-01-01"),
            ("/Pagination", "/Footer", "Page 1 of 1")]


def test_the_recorder_leaves_weasyprint_as_it_was(repairs):
    from weasyprint.pdf import tags

    from publisher.writers.pdfua import RECORDING_LOCK
    with RECORDING_LOCK:  # a render still running in another thread of this process is done
        assert tags._build_box_tree.__module__ == "weasyprint.pdf.tags"


def test_renders_in_threads_leave_weasyprint_as_it_was():
    """`publish serve` renders in threads: the recorder's swap of WeasyPrint's function is
    serialised, so interleaved renders cannot leave a wrapper installed."""
    from concurrent.futures import ThreadPoolExecutor

    from weasyprint.pdf import tags
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: fixture_pdf("repairs.html")[0], range(4)))
    assert tags._build_box_tree.__module__ == "weasyprint.pdf.tags"
    assert len({len(data) for data in results}) == 1


def test_pdfua_refuses_another_weasyprint_release(monkeypatch):
    """The repairs wrap a private WeasyPrint function: another release must fail loudly."""
    import importlib

    from publisher.writers import pdfua
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RuntimeError, match="needs WeasyPrint 70.0 exactly"):
        importlib.reload(pdfua)
    monkeypatch.undo()
    importlib.reload(pdfua)
    assert pdfua.WEASYPRINT_PIN == weasyprint.__version__
