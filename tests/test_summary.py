"""`publish summary`: one custom file from named sections, end to end through the command line.

The files of the issue's "done when" command are built once (PDF, EPUB, HTML) and parsed:
PDF with pikepdf + pdfminer.six (tests/pdf_tags.py joins the two), EPUB with zipfile + lxml,
HTML with lxml.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

import publish
from publisher.read import read_topic
from publisher.verify.text import epub_documents, pdf_text

from conftest import ROOT
from large_print import measure
from pdf_tags import element_texts, headings

CLINIC = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
CHOSEN = ["depression", "exercise-and-neuroplasticity"]
# The chosen sections, the parents that carry their headings, and the patient safety blocks.
EXPECTED_IDS = ["disclaimer", "conditions", "depression", "research", "exercise-and-neuroplasticity",
                "when-to-seek-help"]
TITLE = "Neuroplasticity and Mental Health: Depression and your brain; Exercise"
WEB_URL = "https://riverside.example.org/handouts/neuroplasticity/neuroplasticity-web.html"
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/"}


def run(*args):
    return CliRunner().invoke(publish.cli, [str(a) for a in args], catch_exceptions=False)


def done_when(fmt: str, out: Path, *extra):
    """The issue's command: two sections, patient, the fixture clinic, large print."""
    args = ["summary", "neuroplasticity", "--audience", "patient", "--section", "depression",
            "--section", "exercise-and-neuroplasticity", "--clinic", CLINIC, "--large-print",
            "--root", ROOT, "-o", out]
    if fmt != "pdf":
        args += ["--format", fmt]
    return run(*args, *extra)


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary")
    results = {}
    for fmt in ("pdf", "epub", "html"):
        result = done_when(fmt, out / f"x.{fmt}")
        assert result.exit_code == 0, result.output
        results[fmt] = (out / f"x.{fmt}", result.output)
    return results


@pytest.fixture(scope="module")
def topic():
    return read_topic(ROOT / "source" / "neuroplasticity")


def title_of(topic, section_id: str) -> str:
    """The title patients read: the patient variant's where there is one."""
    section = next(s for s in topic.all_sections() if s.id == section_id)
    return section.variants.get("patient", section.body).title


def squash(text: str) -> str:
    """Text without any white space: line breaks in the PDF fall anywhere."""
    return re.sub(r"\s+", "", text)


# -- the command ------------------------------------------------------------------------------

def test_command_says_in_one_line_which_safety_blocks_were_added(summaries):
    output = summaries["pdf"][1]
    added = [line for line in output.splitlines() if line.startswith("Added the required safety")]
    assert added == ["Added the required safety sections for patients: Please read first, "
                     "When to get help."]
    assert re.search(r"Wrote .*x\.pdf \(\d+ page\(s\), [\d.]+ KB\): " + re.escape(TITLE), output)


def test_unknown_section_fails_before_anything_is_written(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "depresion",
                 "--section", "exercise-and-neuroplasticity", "--root", ROOT, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 4
    assert "u-002 [error] source/neuroplasticity: 'depresion' is not a section id of topic 'neuroplasticity'. Hint: Did you mean depression?" in result.output
    assert "publish list neuroplasticity" in result.output
    assert list(tmp_path.iterdir()) == []


def test_no_sections_named_is_a_usage_error(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--root", ROOT, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 4 and "--section ID" in result.output
    assert list(tmp_path.iterdir()) == []


def test_output_extension_and_format_must_agree(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "depression",
                 "--format", "epub", "--root", ROOT, "-o", tmp_path / "x.pdf")
    assert result.exit_code == 4 and "ends in .pdf but the format is epub" in result.output
    assert list(tmp_path.iterdir()) == []


def test_sections_come_in_topic_order_whatever_order_named(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "exercise-and-neuroplasticity",
                 "--section", "depression", "--format", "html", "--root", ROOT, "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    root = lxml_html.fromstring((tmp_path / "r.html").read_bytes())
    ids = [e.get("id") for e in root.iter() if e.get("id") in set(EXPECTED_IDS)]
    assert ids == EXPECTED_IDS
    assert root.findtext(".//title") == TITLE  # the title follows the topic's order too


def test_format_follows_the_output_extension(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "depression",
                 "--root", ROOT, "-o", tmp_path / "mood.html")
    assert result.exit_code == 0, result.output
    root = lxml_html.fromstring((tmp_path / "mood.html").read_bytes())
    assert root.findtext(".//title") == "Neuroplasticity and Mental Health: Depression and your brain"


# -- PDF --------------------------------------------------------------------------------------

def test_pdf_has_exactly_the_chosen_sections_and_the_safety_blocks(summaries, topic):
    path = summaries["pdf"][0]
    found = [(level, squash(text)) for level, text in headings(path)]
    levels = {s.id: (2 if s in topic.sections else 3) for s in topic.all_sections()}
    expected = [(1, squash(TITLE))] + [(levels[i], squash(title_of(topic, i))) for i in EXPECTED_IDS]
    crisis = next(s for s in topic.sections if s.id == "when-to-seek-help")
    expected.append((3, squash(crisis.body.crisis_title)))  # the crisis box is a subsection
    assert found == expected
    # Nothing else of the topic: no other section's heading, no other section's text.
    text = squash(pdf_text(path.read_bytes()))
    for section in topic.all_sections():
        if section.id not in EXPECTED_IDS:
            assert squash(section.body.title) not in {t for _, t in found}
    assert squash("Anxiety disorders involve") not in text and squash("AMPA receptors") not in text
    assert "988" in text


def test_pdf_title_and_metadata_name_what_it_contains(summaries):
    with pikepdf.open(summaries["pdf"][0]) as pdf:
        assert str(pdf.docinfo["/Title"]) == TITLE
        with pdf.open_metadata() as meta:
            assert meta["dc:title"] == TITLE
            assert meta["pdfuaid:part"] == "1"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle


def test_pdf_is_large_print(summaries):
    facts = measure(summaries["pdf"][0])
    assert facts.min_size >= 18  # every glyph, the footer included
    assert facts.body_size == 18 and facts.heading_sizes and min(facts.heading_sizes) > 18
    assert len(facts.line_ratios) > 20 and min(facts.line_ratios) >= 1.5 - 0.01
    assert facts.italic_chars == 0
    assert facts.columns == 1
    assert facts.min_margin >= 72 - 0.5  # one inch all round


def test_pdf_passes_the_fast_pdf_ua_checks(summaries):
    from publisher.verify.pdf import check
    assert check(summaries["pdf"][0].read_bytes(), name="x.pdf") == []


def test_pdf_shows_the_clinic_in_title_block_footer_and_crisis_box(summaries):
    path = summaries["pdf"][0]
    elements = element_texts(path)
    with pikepdf.open(path) as pdf:
        from publisher.verify.pdf import struct_elements
        alts = [str(e.get("/Alt")) for e in struct_elements(pdf) if str(e.S) == "/Figure"]
        assert "Riverside Family Health logo" in alts
        # The phone is text, not a link to follow on paper: no tel: annotation anywhere.
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                assert action is None or not str(action.get("/URI", "")).startswith("tel:")
    # Tagged text: the phone number is inside a paragraph of the structure tree.
    paragraphs = [x for t, x in elements if t == "/P"]
    assert any("Riverside Family Health" in p for p in paragraphs)
    assert any("42 River Road" in p and "+1 (217) 555-0142" in p for p in paragraphs)
    # The footer of every page: the clinic's name and phone number.
    text = " ".join(pdf_text(path.read_bytes()).split())  # no-break spaces become spaces too
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    assert text.count("Riverside Family Health · +1 (217) 555-0142 Reviewed November 1, 2026 · Page") == pages
    # Local crisis resources are added after 988, in the same crisis box.
    crisis = [x for t, x in elements if t in ("/Sect", "/Part", "/Div") and x.startswith("If you are in crisis")]
    assert crisis, "no crisis box in the structure tree"
    box = crisis[-1]
    assert "988" in box and "Riverside County Crisis Team: +1 217-555-0199" in box and "211" in box
    assert box.index("988") < box.index("Riverside County Crisis Team")


def test_pdf_carries_a_tagged_qr_code_with_its_address_as_text(summaries):
    path = summaries["pdf"][0]
    with pikepdf.open(path) as pdf:
        from publisher.verify.pdf import struct_elements
        figures = [e for e in struct_elements(pdf) if str(e.S) == "/Figure"]
        qr = [e for e in figures if str(e.get("/Alt", "")).startswith("QR code")]
        assert len(qr) == 1
        assert str(qr[0].Alt) == f"QR code: opens the web version of Neuroplasticity and Mental Health at {WEB_URL}"
        # The figure owns marked content: the code is drawn, not only described.
        assert "/K" in qr[0]
    assert squash(WEB_URL) in squash(pdf_text(path.read_bytes()))


def test_no_base_url_no_qr_code(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "depression",
                 "--root", ROOT, "-o", tmp_path / "plain.pdf")  # the default clinic has no base_url
    assert result.exit_code == 0, result.output
    path = tmp_path / "plain.pdf"
    with pikepdf.open(path) as pdf:
        from publisher.verify.pdf import struct_elements
        assert not [e for e in struct_elements(pdf) if str(e.S) == "/Figure"]
    text = pdf_text(path.read_bytes())
    assert "scan the code" not in text and "QR" not in text
    assert "Community Health Clinic" in text


def test_pdf_with_a_custom_title(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "patient", "--section", "exercise-and-neuroplasticity",
                 "--title", "Moving for your mood", "--root", ROOT, "-o", tmp_path / "t.pdf")
    assert result.exit_code == 0, result.output
    with pikepdf.open(tmp_path / "t.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == "Moving for your mood"
    assert headings(tmp_path / "t.pdf")[0] == (1, "Moving for your mood")


def test_clinician_summary_adds_no_safety_line_and_keeps_clinician_text(tmp_path):
    result = run("summary", "neuroplasticity", "--audience", "clinician", "--section", "ltp-ltd",
                 "--root", ROOT, "-o", tmp_path / "c.pdf")
    assert result.exit_code == 0, result.output
    assert "safety" not in result.output
    text = " ".join(pdf_text((tmp_path / "c.pdf").read_bytes()).split())
    assert "AMPA" in text and "Custom clinician summary" in text
    assert "Medical Disclaimer" not in text  # not required for clinicians, not chosen


# -- EPUB -------------------------------------------------------------------------------------

def test_epub_has_the_selection_title_logo_and_tel_links(summaries):
    path = summaries["epub"][0]
    with zipfile.ZipFile(path) as z:
        opf = etree.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))
        names = z.namelist()
    assert opf.findtext(".//dc:title", namespaces=NS) == TITLE
    assert any(n.endswith("images/clinic-logo.svg") for n in names)
    docs = dict(epub_documents(path.read_bytes()))
    ids = [e.get("id") for name, d in docs.items() if name.startswith("s") for e in d.iter() if e.get("id")]
    assert [i for i in ids if i in {s for s in EXPECTED_IDS}] == EXPECTED_IDS
    title_page = docs["title.xhtml"]
    assert "".join(title_page.find(".//x:h1", NS).itertext()) == TITLE
    logo = title_page.find(".//x:img[@class='clinic-logo']", NS)
    assert logo.get("alt") == "Riverside Family Health logo" and logo.get("src") == "images/clinic-logo.svg"
    tel = {a.get("href") for d in docs.values() for a in d.iterfind(".//x:a", NS) if a.get("href", "").startswith("tel:")}
    assert {"tel:+12175550142", "tel:+12175550199", "tel:211"} <= tel
    colophon = docs["colophon.xhtml"]
    assert "Riverside Family Health" in "".join(colophon.itertext())
    assert colophon.find(".//x:a[@href='tel:+12175550142']", NS) is not None
    assert "large-print" in docs["title.xhtml"].find(".//x:body", NS).get("class")


def test_epub_passes_the_fast_checks(summaries):
    from publisher.verify.epub import check
    assert check(summaries["epub"][0].read_bytes(), name="x.epub") == []


# -- HTML -------------------------------------------------------------------------------------

def test_html_has_the_selection_title_logo_and_tel_links(summaries):
    root = lxml_html.fromstring(summaries["html"][0].read_bytes())
    assert root.findtext(".//title") == TITLE
    assert root.findtext(".//h1") == TITLE
    ids = [e.get("id") for e in root.iter() if e.get("id") in set(EXPECTED_IDS) | {"faq", "anxiety-disorders"}]
    assert ids == EXPECTED_IDS
    logo = root.find(".//header//img")
    assert logo.get("alt") == "Riverside Family Health logo" and logo.get("src").startswith("data:image/svg+xml;base64,")
    tel = [a.get("href") for a in root.iter("a") if a.get("href", "").startswith("tel:")]
    assert tel.count("tel:+12175550142") == 2  # header and footer
    assert "tel:+12175550199" in tel and "tel:211" in tel
    assert "large-print" in root.find("body").get("class")
    assert not [i for i in root.iter("img") if (i.get("alt") or "").startswith("QR code")]  # only on paper


def test_html_passes_the_fast_checks(summaries):
    from publisher.verify.html import check
    assert check(summaries["html"][0].read_bytes(), name="x.html") == []


def test_a_selection_left_with_only_the_safety_sections_is_refused(tmp_path):
    """--exclude that takes away every section --section named leaves only what is always
    added: that is no handout anybody asked for (u-006, exit 4, no file); a required section
    named in --exclude is kept, and the command says so."""
    out = tmp_path / "x.pdf"
    result = run("summary", "tiny", "--root", str(ROOT), "--topic-dir", str(ROOT / "tests/fixtures/topics/tiny"),
                 "--audience", "patient", "--section", "about", "--exclude", "about", "-o", str(out))
    assert result.exit_code == 4 and "u-006 [error]" in result.output and not out.exists()
    result = run("summary", "tiny", "--root", str(ROOT), "--topic-dir", str(ROOT / "tests/fixtures/topics/tiny"),
                 "--audience", "patient", "--section", "about", "--exclude", "help", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Not left out (--exclude): patients always get " in result.output


def test_a_section_id_in_other_letters_case_is_suggested():
    result = run("summary", "tiny", "--root", str(ROOT), "--topic-dir", str(ROOT / "tests/fixtures/topics/tiny"),
                 "--audience", "patient", "--section", "ABOUT")
    assert result.exit_code == 4 and "'ABOUT' is not a section id of topic 'tiny'. Hint: Did you mean about?" \
        in result.output
