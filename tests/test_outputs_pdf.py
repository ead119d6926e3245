"""The PDF editions, parsed with pikepdf and pdfminer.six."""

import pikepdf
import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer

from publisher.verify.pdf import heading_sequence, struct_elements
from publisher.verify.text import pdf_text

from conftest import TALL_SAFETY, output

PDF_EDITIONS = [("neuroplasticity", "patient-handout"), ("neuroplasticity", "clinician-summary"),
                ("sleep-hygiene", "patient-handout"), ("sleep-hygiene", "clinician-summary"),
                ("neuroplasticity", "booklet-print"), ("sleep-hygiene", "booklet-print")]


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_pdf_streams_are_compressed_and_objects_packed(built, topic, edition):
    """WeasyPrint writes uncompressed; the repair's save (and the save that adds the reading
    level, for the editions that have one) compresses every stream but the XMP metadata
    (left readable, as PDF/A and PDF/UA tools expect; an image keeps its own format) and
    packs the small objects, the structure tree, into object streams."""
    with pikepdf.open(output(built, topic, edition)) as pdf:
        streams = [o for o in pdf.objects if isinstance(o, pikepdf.Stream)]
        metadata = pdf.Root.Metadata.objgen
        unfiltered = [o.objgen for o in streams if o.get("/Filter") is None and o.objgen != metadata]
        assert not unfiltered
        assert any(o.get("/Type") == pikepdf.Name.ObjStm for o in streams)
        assert pdf.Root.Metadata.get("/Filter") is None


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_pdf_is_tagged_pdf_ua(built, topic, edition):
    with pikepdf.open(output(built, topic, edition)) as pdf:
        assert pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == "en-US"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        with pdf.open_metadata() as meta:
            assert meta["pdfuaid:part"] == "1"
            assert meta["dc:title"]
        assert "/ParentTree" in pdf.Root.StructTreeRoot
        tags = {str(e.S) for e in struct_elements(pdf)}
        assert {"/H1", "/H2", "/P", "/L", "/LI", "/LBody"} <= tags
        levels = [lvl for lvl, _ in heading_sequence(pdf)]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


@pytest.mark.parametrize("topic,edition", PDF_EDITIONS)
def test_fonts_are_embedded_atkinson_with_unicode_maps(built, topic, edition):
    with pikepdf.open(output(built, topic, edition)) as pdf:
        names = set()
        for page in pdf.pages:
            for _, font in page.Resources.Font.items():
                names.add(str(font.BaseFont))
                assert "/ToUnicode" in font
                descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
        assert names and all("Atkinson-Hyperlegible" in n for n in names)


def test_patient_handout_body_is_at_least_12pt_and_has_footer(built):
    path = output(built, "neuroplasticity", "patient-handout")
    sizes = []
    for page in extract_pages(path):
        for box in page:
            if isinstance(box, LTTextContainer) and box.y0 > 72:  # above the footer
                sizes += [round(c.size, 1) for line in box for c in line if isinstance(c, LTChar)]
    assert sizes and min(sizes) >= 12
    text = " ".join(pdf_text(path.read_bytes()).split())
    pages = len(list(extract_pages(path)))
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Reviewed November 1, 2026" in text  # dates a reader reads are in words
    assert "Community Health Clinic" in text  # the clinic's name in the title block


def test_patient_handout_has_safety_blocks_and_no_clinician_only_text(built):
    text = " ".join(pdf_text(output(built, "neuroplasticity", "patient-handout").read_bytes()).split())
    assert "Please read first" in text and "It is not medical advice." in text  # the plain disclaimer
    assert "call or text 988" in text and "When to get help" in text
    assert "AMPA receptors" not in text  # ltp-ltd is for clinicians
    assert "hippocampal" not in text  # the full text's terms stay out of the plain variants


def test_clinician_summary_has_references_with_source_types(built):
    text = " ".join(pdf_text(output(built, "neuroplasticity", "clinician-summary").read_bytes()).split())
    assert "Sources & References" in text
    assert "(Peer-reviewed research)" in text and "(Expert consensus)" in text


def test_a4_option(project, tmp_path):
    from publisher.build import BuildOptions, build_editions
    result = build_editions(project, BuildOptions(editions=["patient-handout"], out_dir=tmp_path, paper="a4"))
    with pikepdf.open(result.outputs[0].path) as pdf:
        width, height = [float(x) for x in pdf.pages[0].MediaBox[2:]]
    assert (round(width), round(height)) == (595, 842)


def test_letter_by_default(built):
    with pikepdf.open(output(built, "neuroplasticity", "patient-handout")) as pdf:
        assert [round(float(x)) for x in pdf.pages[0].MediaBox[2:]] == [612, 792]


def test_build_logs_no_warnings(built):
    """None but the large-print handouts' safety block, taller than an 18 pt page, that breaks
    inside its signs list as designed and is said (g-004 warning, README)."""
    _, result = built
    assert [f for f in result.findings if TALL_SAFETY not in f.message] == []
    assert all(f.code == "g-004" and "large-print" in f.file for f in result.findings)