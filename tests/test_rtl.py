"""A right-to-left topic (tests/fixtures/topics/rtl-sleep, Hebrew) in every format: direction,
right alignment, the EPUB spine's page progression, and mixed-direction lines (a number and
a Latin word inside a Hebrew sentence) in the right order (issue 11)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from lxml import html as lxml_html
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

from conftest import ROOT
from publisher.build import BuildOptions, Project, build_editions

RTL = ROOT / "tests" / "fixtures" / "topics" / "rtl-sleep"
ABOUT = "כדאי לישון 8 שעות בלילה. שאלו את הרופא על CBT-I אם קשה לכם להירדם."
LTR_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


@pytest.fixture(scope="module")
def rtl(tmp_path_factory):
    out = tmp_path_factory.mktemp("rtl")
    result = build_editions(Project(ROOT), BuildOptions(topics=["rtl-sleep"], topic_dirs=[RTL], out_dir=out, cache=False))
    return {o.edition: o.path for o in result.outputs}


def logical(visual: str) -> str:
    """A line as drawn (left to right on the page) back in reading order, for a Hebrew line
    whose only left-to-right runs are numbers and Latin words: the runs in reverse order,
    the Hebrew ones read backwards, the left-to-right ones as they are."""
    runs, last = [], 0
    for match in LTR_RUN.finditer(visual):
        runs += [visual[last:match.start()][::-1], match.group()]
        last = match.end()
    runs.append(visual[last:][::-1])
    return "".join(reversed(runs))


def pdf_lines(path: Path) -> list[tuple[float, float, str]]:
    """(left edge, right edge, the characters from left to right) of every line of page 1."""
    lines = []
    for page in extract_pages(path):
        for box in page:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLine):
                        chars = sorted((c for c in line if isinstance(c, LTChar)), key=lambda c: c.x0)
                        text, prev = "", None
                        for c in chars:
                            text += (" " if prev is not None and c.x0 - prev.x1 > 1.5 else "") + c.get_text()
                            prev = c
                        lines.append((line.x0, line.x1, text))
        break
    return lines


def test_every_format_is_built_for_the_rtl_topic(rtl):
    assert set(rtl) == {"patient-handout", "patient-handout-large-print", "clinician-summary", "booklet",
                        "booklet-print", "web"}


def test_pdf_is_hebrew_right_aligned_with_mixed_lines_in_reading_order(rtl):
    path = rtl["patient-handout"]
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "he"
    lines = pdf_lines(path)
    with_number = next((x0, x1, text) for x0, x1, text in lines if " 8 " in text)
    with_latin = next((x0, x1, text) for x0, x1, text in lines if "להירדם" in logical(text))
    # The number sits between the Hebrew words around it, and the Latin word keeps its own
    # left-to-right order inside the right-to-left lines (the column's width decides whether
    # "CBT-I" starts the second line or is broken after its hyphen: read the two together).
    assert logical(with_number[2]).strip().startswith("כדאי לישון 8 שעות בלילה. שאלו את הרופא על")
    both = logical(with_number[2]).strip() + " " + logical(with_latin[2]).strip()
    assert re.sub(r"CBT- I\b", "CBT-I", both).startswith(
        "כדאי לישון 8 שעות בלילה. שאלו את הרופא על CBT-I אם קשה לכם להירדם.")
    # Right aligned: the paragraph's lines end at the same right edge and start where they end.
    assert abs(with_number[1] - with_latin[1]) < 1 and with_latin[0] - with_number[0] > 20
    headings = {text for _, _, text in lines}
    assert "הבוט הניש" in headings  # the title "שינה טובה", drawn right to left


def test_pdf_template_words_and_dates_are_hebrew(rtl):
    read = [logical(text).strip() for _, _, text in pdf_lines(rtl["patient-handout"])]
    assert "עמוד 1 מתוך 1" in read  # "Page 1 of 1", from layouts/locales/he
    assert any("נבדק ב־1 בינואר 2026" in line for line in read)  # "Reviewed January 1, 2026", in words


@pytest.mark.parametrize("edition", ["web"])
def test_web_page_is_rtl_and_right_aligned(rtl, edition):
    page = lxml_html.fromstring(rtl[edition].read_bytes())
    assert page.get("lang") == "he" and page.get("dir") == "rtl"
    style = page.find(".//style").text
    assert 'html[dir="rtl"] body' in style and "text-align: right" in style
    about = page.get_element_by_id("about").getparent()
    assert " ".join(ABOUT.split()) in " ".join(about.text_content().split())  # logical order in the file
    header = page.find(".//header")
    assert header.get("lang") == "en" and header.get("dir") == "ltr"  # the clinic's English name and address
    assert all(a.get("dir") == "ltr" for a in page.iter("a") if (a.get("href") or "").startswith("tel:"))


def test_epub_spine_goes_right_to_left_and_every_document_is_rtl(rtl):
    with zipfile.ZipFile(rtl["booklet"]) as book:
        opf = etree.fromstring(book.read("EPUB/content.opf"))
        ns = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
        assert opf.find("opf:spine", ns).get("page-progression-direction") == "rtl"
        assert opf.findtext(".//dc:language", namespaces=ns) == "he"
        documents = [n for n in book.namelist() if n.endswith(".xhtml")]
        for name in documents:
            root = etree.fromstring(book.read(name))
            assert (root.get("lang"), root.get("dir")) == ("he", "rtl"), name
        css = book.read("EPUB/styles/epub.css").decode()
        assert 'html[dir="rtl"] body' in css


@pytest.mark.slow
def test_validators_pass_the_rtl_and_spanish_digital_outputs(rtl, tmp_path):
    """EPUBCheck, Ace and axe on the right-to-left EPUB and web page, the tiny topic's
    Spanish EPUB and web page, and the bilingual web page, in one batch."""
    from publisher.verify.external import validate_files
    tiny = ROOT / "tests" / "fixtures" / "topics" / "tiny"
    spanish = build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[tiny], out_dir=tmp_path, cache=False,
                             editions=["booklet", "web"], langs=["es"]))
    files = {rtl["booklet"]: "rtl-sleep-booklet.epub", rtl["web"]: "rtl-sleep-web.html"}
    files.update({o.path: o.path.name for o in spanish.outputs})
    both = build_editions(Project(ROOT), BuildOptions(topics=["neuroplasticity"], out_dir=tmp_path, cache=False,
                                                      editions=["patient-handout-bilingual-web"]))
    files.update({o.path: o.path.name for o in both.outputs})
    runs = validate_files(files)
    problems = [(run.tool, run.file, f.message) for run in runs for f in run.findings]
    assert runs and all(run.clean for run in runs), problems
