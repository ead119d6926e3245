"""The PDF/UA-1 check (publisher.verify.pdf) fails each condition of STANDARDS.md section 2
with its own code, and a failed check or a WeasyPrint ERROR fails the build."""
from __future__ import annotations

import dataclasses
import io
import re

import pikepdf
import pytest
import weasyprint

from publisher.build import build_timestamp, load_editions, load_topics
from publisher.collect import Collector
from publisher.clinic import read_clinic
from publisher.errors import ChecksFailed
from publisher.job import Job, OutputOptions, run_job
from publisher.output import OutputWriter
from publisher.render import render_edition
from publisher.select import select_sections
from publisher.verify.pdf import check
from publisher.writers import pdf as pdf_writer

from conftest import SLEEP_TOPIC
from test_pdfua import FIXTURES, fixture_pdf

PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGOQ96vE"
       "ihiGlgQAYZI5gapHhb8AAAAASUVORK5CYII=")


def codes(data: bytes) -> list[str]:
    return sorted(f.code for f in check(data, name="test.pdf"))


def test_missing_alt_skipped_heading_and_headerless_table_are_exactly_three_findings():
    data, records = fixture_pdf("broken.html")
    found = check(data, name="broken.pdf")
    assert sorted(f.code for f in found) == ["p-006", "p-007", "p-008"]
    by_code = {f.code: f.message for f in found}
    assert "H3 'A skipped level' follows an H1" in by_code["p-006"]
    assert "Figure on page 1 has no /Alt" in by_code["p-007"]
    assert "has no header cells" in by_code["p-008"]
    assert all(f.is_error for f in found)
    # WeasyPrint itself says so too, at ERROR level (which the writer turns into a failure).
    assert any("alt" in r.getMessage() for r in records if r.levelname == "ERROR")


def test_weasyprint_output_without_the_repairs_fails_on_each_gap():
    """What WeasyPrint 70 writes by itself fails the check where STANDARDS.md says it falls short."""
    html = (FIXTURES / "repairs.html").read_text(encoding="utf-8")
    document = weasyprint.HTML(string=html, base_url=str(FIXTURES) + "/").render()
    raw = document.write_pdf(pdf_variant="pdf/ua-1")
    found = check(raw, name="raw.pdf")
    messages = " | ".join(f.message for f in found)
    assert sorted({f.code for f in found}) == ["p-007", "p-008", "p-009", "p-011", "p-016", "p-018"]
    assert "belongs to no structure element" in messages  # gap 1: the footer
    assert "'https://www.cdc.gov/sleep/index.html'" in messages and "'crisis'" in messages  # gap 5
    assert "the trailer has no /ID" in messages  # gap 9: no pdf_identifier


@pytest.fixture(scope="module")
def good_pdf() -> bytes:
    data, _ = fixture_pdf("repairs.html")
    assert codes(data) == []
    return data


def _first(pdf, tag: str):
    from publisher.verify.pdf import struct_elements
    return next(e for e in struct_elements(pdf) if e.S == pikepdf.Name(tag))


def _all(pdf, tag: str):
    from publisher.verify.pdf import struct_elements
    return [e for e in struct_elements(pdf) if e.S == pikepdf.Name(tag)]


def _xmp_without_pdfuaid(pdf):
    xmp = pdf.Root.Metadata.read_bytes()
    pdf.Root.Metadata.write(re.sub(rb"pdfuaid:part[^<]*?(>\s*1\s*</pdfuaid:part>|=\"1\")", b"", xmp))


def _untie_paragraph(pdf):
    paragraph = next(e for e in _all(pdf, "/P") if "/Lang" in e)
    parent = paragraph.P
    parent.K = pikepdf.Array([k for k in parent.K if not (isinstance(k, pikepdf.Dictionary)
                                                          and k.objgen == paragraph.objgen)])


def _unscope_row_headers(pdf):
    """Row headers with neither a /Scope nor a cell that names them."""
    row_ids = set()
    for cell in _all(pdf, "/TH"):
        if cell.A.Scope == pikepdf.Name.Row:
            del cell.A["/Scope"]
            row_ids.add(bytes(cell.ID))
    for cell in _all(pdf, "/TD"):
        cell.A.Headers = pikepdf.Array([h for h in cell.A.Headers if bytes(h) not in row_ids])


def _drop_objr(pdf):
    link = _first(pdf, "/Link")
    link.K = pikepdf.Array([k for k in link.K if not (isinstance(k, pikepdf.Dictionary)
                                                      and k.get("/Type") == pikepdf.Name.OBJR)])


def _drop_tounicode(pdf):
    fonts = pdf.pages[0].Resources.Font
    del fonts[next(iter(fonts.keys()))]["/ToUnicode"]


def _retag_lbl(pdf):
    _first(pdf, "/Lbl").S = pikepdf.Name.P


def _h2_to_h4(pdf):
    _first(pdf, "/H2").S = pikepdf.Name.H4


MUTATIONS = {
    "p-001": lambda pdf: pdf.Root.__delitem__("/MarkInfo"),
    "p-002": lambda pdf: pdf.Root.__delitem__("/Lang"),
    "p-003": lambda pdf: setattr(pdf.Root.ViewerPreferences, "DisplayDocTitle", False),
    "p-004": _xmp_without_pdfuaid,
    "p-005": lambda pdf: pdf.Root.__delitem__("/StructTreeRoot"),
    "p-006": _h2_to_h4,
    "p-007": lambda pdf: _first(pdf, "/Figure").__delitem__("/Alt"),
    "p-008": _unscope_row_headers,
    "p-009": lambda pdf: setattr(pdf.pages[0].obj.Annots[0], "Contents",
                                 pdf.pages[0].obj.Annots[0].A.URI),
    "p-010": _drop_tounicode,
    "p-011": _untie_paragraph,
    "p-014": _retag_lbl,
    "p-015": lambda pdf: pdf.pages[0].obj.__delitem__("/Tabs"),
    "p-016": lambda pdf: setattr(_first(pdf, "/TD").A, "Headers", pikepdf.Array([pikepdf.String("nope")])),
    "p-017": _drop_objr,
}


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_each_condition_fails_with_its_own_code(good_pdf, code):
    with pikepdf.open(io.BytesIO(good_pdf)) as pdf:
        MUTATIONS[code](pdf)
        out = io.BytesIO()
        pdf.save(out)
    assert set(codes(out.getvalue())) == {code}


def test_no_trailer_id_is_a_finding():
    document = weasyprint.HTML(string="<html lang='en'><title>t</title><h1>Hi</h1></html>").render()
    assert codes(document.write_pdf(pdf_variant="pdf/ua-1")) == ["p-018"]


def _patient_handout(project):
    topics = load_topics(project, ["sleep-hygiene"], [SLEEP_TOPIC])
    doc = select_sections(topics["sleep-hygiene"], load_editions(project)["patient-handout"])
    return doc, render_edition(doc, clinic=read_clinic(project.default_clinic), layouts_dir=project.layouts_dir)


def test_a_weasyprint_error_fails_the_build(project, tmp_path):
    doc, rendered = _patient_handout(project)
    broken = dataclasses.replace(rendered, html=rendered.html.replace(
        "<main>", f'<main><p><img src="{PNG}"/></p>', 1))
    with pytest.raises(ChecksFailed) as failed:
        pdf_writer.write(broken)
    errors = [f for f in failed.value.findings if f.is_error]
    assert [(f.code, f.tool) for f in errors] == [("p-013", "weasyprint")]
    assert "has no required alt description" in errors[0].message


def test_a_failed_pdf_condition_fails_the_build_and_writes_nothing(project, tmp_path, monkeypatch):
    """The job runs the PDF check on the bytes; a failed condition fails the file, and the
    collector writes nothing."""
    doc, _ = _patient_handout(project)
    # A skipped heading level: the template's crisis callout heading one level too deep.
    original = render_edition

    def skip_a_level(*args, **kwargs):
        rendered = original(*args, **kwargs)
        return dataclasses.replace(rendered, html=rendered.html.replace("<h3", "<h4").replace("</h3>", "</h4>"))

    monkeypatch.setattr("publisher.job.render_edition", skip_a_level)
    target = tmp_path / "out.pdf"
    job = Job(doc=doc, clinic=read_clinic(project.default_clinic), layouts=project.layouts_dir, name=str(target),
              options=OutputOptions(timestamp=build_timestamp(doc.topic)))
    result = run_job(job)
    assert result.failure == "checks" and result.data is None
    with Collector(OutputWriter(tmp_path)) as collector, pytest.raises(ChecksFailed) as failed:
        collector.add(0, target, doc, result)
        collector.commit()
    assert {f.code for f in failed.value.findings if f.is_error} == {"p-006"}
    assert "follows an H2 (skips a level)" in failed.value.findings[0].message
    assert not target.exists()


def test_build_editions_reports_no_pdf_findings(built):
    _, result = built
    assert [f for f in result.findings if f.code.startswith("p-")] == []


def test_content_scan_finds_every_kind_of_unmarked_painting():
    """Text, paths, images (XObject and inline) and shadings outside marks; clipping is not painting."""
    from publisher.verify.pdf_content import scan_page
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    page.obj.Contents = pdf.make_stream(
        b"q 0 0 10 10 re W n 0 0 5 5 re f 0 0 m 5 5 l S "
        b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x80 EI /Im0 Do /Sh0 sh Q "
        b"BT /F1 12 Tf (a) Tj [(b)] TJ ET "
        b"/Artifact BMC 0 0 5 5 re f EMC "
        b"/P <</MCID 0>> BDC BT (c) Tj ET /Artifact BMC 0 0 1 1 re f EMC EMC")
    marks = scan_page(page)
    assert marks.unmarked == {"f": 1, "S": 1, "INLINE IMAGE": 1, "Do": 1, "sh": 1, "Tj": 1, "TJ": 1}
    assert marks.mcids == [0]
    assert marks.artifact_in_tagged == 1
    assert marks.graphics == {"none": 5, "artifact": 2}
