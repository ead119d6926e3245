"""Page navigation: the EPUB booklet carries the printed booklet's page numbers.

The printed booklet (booklet-print, a PDF) and the EPUB booklet show the same content. Each
EPUB page-break marker must stand exactly where that page of the PDF starts: the text that
starts a printed page (pdfminer.six, without the running footer) is the text right after the
matching marker in the EPUB, compared as lowercase words.
"""
from __future__ import annotations

import collections
import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer, LTTextLineHorizontal

from publisher.build import BuildOptions, build_editions, load_editions
from publisher.errors import ChecksFailed, ContentError
from publisher.model import PageMap, PageStart
from publisher.pagenumbers.markers import add_block_ids, insert_page_breaks
from publisher.verify.text import epub_documents, words

from conftest import SLEEP_TOPIC, output

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
NS = {"x": XHTML, "epub": EPUB_NS, "opf": "http://www.idpf.org/2007/opf"}
FOOTER_TOP = 0.8 * 72  # the print stylesheet's bottom page margin: the running footer sits below it
TOPICS = ["neuroplasticity", "sleep-hygiene"]


# --- reading the PDF ---------------------------------------------------------------------

def pdf_rows(path: Path) -> list[list[str]]:
    """Per page, the text of its first two visual rows (top to bottom, each left to right),
    without the running footer. A row is every text line at the height of the topmost one,
    so a list label and its item, or the cells of a table row, read as one row."""
    pages = []
    for page in extract_pages(path, laparams=LAParams()):
        lines = []

        def collect(item):
            if isinstance(item, LTTextLineHorizontal):
                if item.y0 >= FOOTER_TOP and item.get_text().strip():
                    lines.append(item)
            elif isinstance(item, LTTextContainer):
                for child in item:
                    collect(child)

        for item in page:
            collect(item)
        rows = []
        while lines and len(rows) < 2:
            top = max(lines, key=lambda line: line.y1)
            row = [line for line in lines if top.y0 <= (line.y0 + line.y1) / 2 <= top.y1]
            lines = [line for line in lines if line not in row]
            rows.append(" ".join(line.get_text().strip() for line in sorted(row, key=lambda line: line.x0)))
        pages.append(rows)
    return pages


def pdf_page_count(path: Path) -> int:
    return sum(1 for _ in extract_pages(path))


# --- reading the EPUB --------------------------------------------------------------------

def local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def is_marker(element) -> bool:
    return local(element) == "span" and element.get("role") == "doc-pagebreak"


def markers(data: bytes) -> list[tuple[str, etree._Element, etree._Element]]:
    """(document name, document root, marker) for every page-break marker, in spine order."""
    return [(name, root, m) for name, root in epub_documents(data)
            for m in root.iter(f"{{{XHTML}}}span") if is_marker(m)]


def ol_label(li) -> str:
    """The number a reading system (and the PDF) shows before an item of an ordered list."""
    ol = li.getparent()
    items = [c for c in ol if local(c) == "li"]
    return f"{int(ol.get('start', 1)) + items.index(li)}."


def text_after(root, marker) -> str:
    """The document's text from `marker` on, as it reads on screen: ordered-list items with
    their numbers (bullets are not words), including the item the marker opens."""
    out, started = [], False
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        if event == "start":
            if element is marker:
                started = True
                parent = element.getparent()
                if (local(parent) == "li" and local(parent.getparent()) == "ol"
                        and not (parent.text or "").strip() and parent[0] is element):
                    out.append(ol_label(parent))
            elif started:
                if local(element) == "li" and local(element.getparent()) == "ol":
                    out.append(ol_label(element))
                out.append(element.text or "")
        elif started:
            out.append(element.tail or "")
    return " ".join(out)


def repeated_header(marker) -> list[str]:
    """A table's header row, when the marker is inside that table's body: the PDF repeats it
    at the top of every page the table continues on (it is not where the page's text starts)."""
    for ancestor in marker.iterancestors():
        if local(ancestor) == "table":
            head = ancestor.find("x:thead", NS)
            body_marker = any(local(a) == "tbody" for a in marker.iterancestors())
            return words("".join(head.itertext())) if head is not None and body_marker else []
    return []


def page_list(data: bytes) -> list[tuple[str, str]]:
    docs = dict(epub_documents(data))
    nav = docs["nav.xhtml"].find(".//x:nav[@epub:type='page-list']", NS)
    if nav is None:
        return []
    return [(a.text, a.get("href")) for a in nav.iterfind(".//x:a", NS)]


#: What only a book with page numbers holds: the page-list nav, page-break markers, their metadata.
PAGE_WORDS = (b"doc-pagelist", b"page-list", b"doc-pagebreak", b"pagebreak", b"pageBreakSource")


def opf_meta(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))
    props = collections.defaultdict(list)
    for meta in opf.iterfind(".//opf:meta", NS):
        props[meta.get("property")].append(meta.text)
    return props


# --- the checks --------------------------------------------------------------------------

def assert_pages_match(pdf: Path, epub: Path) -> int:
    """Every printed page has one marker, and the page starts with the marker's text."""
    data = epub.read_bytes()
    rows = pdf_rows(pdf)
    found = markers(data)
    assert [int(m.get("aria-label")) for _, _, m in found] == list(range(1, len(rows) + 1))
    for (name, root, marker), page_rows in zip(found, rows):
        number = int(marker.get("aria-label"))
        expected = words(text_after(root, marker))
        first = words(page_rows[0])
        header = repeated_header(marker)
        if header and first == header and len(page_rows) > 1:
            first = words(page_rows[1])
        assert first, f"page {number} of {pdf.name} has no text"
        assert expected[:len(first)] == first, (
            f"page {number} starts with {' '.join(first)!r}, but after its marker in {name} "
            f"the EPUB reads {' '.join(expected[:len(first) + 5])!r}")
    return len(rows)


@pytest.mark.parametrize("topic", TOPICS)
def test_each_printed_page_starts_where_its_epub_marker_is(built, topic):
    pages = assert_pages_match(output(built, topic, "booklet-print"), output(built, topic, "booklet"))
    assert pages > 1


@pytest.mark.slow  # the booklet and its EPUB built on A4 and on Letter
def test_page_starts_also_match_on_a4(project, tmp_path):
    result = build_editions(project, BuildOptions(topics=["neuroplasticity"], editions=["booklet", "booklet-print"],
                            out_dir=tmp_path, paper="a4"))
    paths = {o.edition: o.path for o in result.outputs}
    assert_pages_match(paths["booklet-print"], paths["booklet"])
    assert "A4 paper" in opf_meta(paths["booklet"].read_bytes())["pageBreakSource"][0]
    # The EPUB with the A4 booklet's page numbers is named for its paper, as that PDF is: a
    # Letter build beside it keeps its own EPUB, each with the pages of its own PDF.
    assert paths["booklet"].name == "neuroplasticity-booklet-a4.epub"
    letter = build_editions(project, BuildOptions(topics=["neuroplasticity"], editions=["booklet", "booklet-print"],
                                                  out_dir=tmp_path))
    letter_paths = {o.edition: o.path for o in letter.outputs}
    assert letter_paths["booklet"].name == "neuroplasticity-booklet.epub" and paths["booklet"].exists()
    assert_pages_match(letter_paths["booklet-print"], letter_paths["booklet"])
    assert_pages_match(paths["booklet-print"], paths["booklet"])


@pytest.mark.slow  # two topics' booklets at 21 pt
def test_page_starts_match_when_pages_break_mid_paragraph_list_and_table(project_copy, tmp_path):
    """Large type and no chapter breaks: pages start inside paragraphs, list items and a table
    (whose header row the PDF repeats)."""
    layout = project_copy.layouts_dir / "booklet" / "document.html.j2"
    template = layout.read_text(encoding="utf-8")
    assert "</style>{% endblock %}" in template  # the booklet's own style block, added to below
    layout.write_text(template.replace(
        "</style>{% endblock %}",
        "body { font-size: 21pt !important; } table { font-size: 19pt !important; }\n"
        "p, li { orphans: 1 !important; widows: 1 !important; }\n"
        "li:first-child, li:last-child, tr, tbody tr:first-child, tbody tr:last-child "
        "{ break-after: auto !important; break-before: auto !important; }\n</style>{% endblock %}"),
        encoding="utf-8")
    result = build_editions(project_copy, BuildOptions(editions=["booklet", "booklet-print"], out_dir=tmp_path / "out",
                                                       topic_dirs=[SLEEP_TOPIC]))
    kinds = collections.Counter()
    for topic in TOPICS:
        paths = {o.edition: o.path for o in result.outputs if o.topic == topic}
        assert_pages_match(paths["booklet-print"], paths["booklet"])
        for _, _, marker in markers(paths["booklet"].read_bytes()):
            parent = marker.getparent()
            mid = bool((marker.tail or "").strip()) and bool("".join(parent.itertext()).split(
                marker.tail.strip())[0].strip())
            kinds[(local(parent), "mid" if mid else "start")] += 1
    # The layout really did break pages inside the kinds of text the test is about.
    assert kinds[("p", "mid")] >= 3
    assert any(kind == "li" for kind, _ in kinds)
    assert any(kind in ("td", "th") for kind, _ in kinds), kinds  # a page starts in a table


@pytest.mark.parametrize("topic", TOPICS)
def test_page_list_has_one_entry_per_printed_page_in_order(built, topic):
    pdf, epub = output(built, topic, "booklet-print"), output(built, topic, "booklet")
    data = epub.read_bytes()
    entries = page_list(data)
    count = pdf_page_count(pdf)
    assert [label for label, _ in entries] == [str(n) for n in range(1, count + 1)]
    found = markers(data)
    # Markers come in increasing order in spine order, and each entry links to its marker.
    assert [int(m.get("aria-label")) for _, _, m in found] == list(range(1, count + 1))
    assert [href for _, href in entries] == [f"{name}#{m.get('id')}" for name, _, m in found]
    for _, _, m in found:
        assert m.get(f"{{{EPUB_NS}}}type") == "pagebreak" and m.get("id") == f"page-{m.get('aria-label')}"
        assert len(m) == 0 and not (m.text or "").strip()


@pytest.mark.parametrize("topic", TOPICS)
def test_page_break_metadata_names_the_printed_booklet(built, topic):
    props = opf_meta(output(built, topic, "booklet").read_bytes())
    pdf = output(built, topic, "booklet-print")
    # EPUB 3 default vocabulary (no prefix), as EPUBCheck 5.3 and Ace 1.4.6 read it.
    assert len(props["pageBreakSource"]) == 1
    source = props["pageBreakSource"][0]
    assert source.startswith(f"{pdf.name}: ") and "Printed booklet" in source and "US Letter" in source
    assert {"pageBreakMarkers", "pageNavigation"} <= set(props["schema:accessibilityFeature"])


def test_printed_booklet_has_the_booklets_text(built):
    """Same content: the PDF's words (without footers and list numbers) are the EPUB's words
    (without the cover and the navigation document)."""
    for topic in TOPICS:
        pdf = output(built, topic, "booklet-print")
        pdf_words = []
        for page in extract_pages(pdf, laparams=LAParams()):
            for box in page:
                if isinstance(box, LTTextContainer) and box.y0 >= FOOTER_TOP:
                    pdf_words += words(box.get_text())
        epub_words = []
        for name, root in epub_documents(output(built, topic, "booklet").read_bytes()):
            if name not in ("cover.xhtml", "nav.xhtml"):
                epub_words += words("".join(root.find("x:body", NS).itertext()))
        bag = lambda ws: collections.Counter(w for w in ws if not w.isdigit())  # noqa: E731
        assert bag(pdf_words) == bag(epub_words)


def test_booklet_alone_still_gets_the_page_map_and_lays_out_once(built, project, tmp_path, monkeypatch):
    from publisher.writers import pdf as pdf_writer
    calls = []
    real = pdf_writer.render_document
    monkeypatch.setattr(pdf_writer, "render_document", lambda r: calls.append(r.doc.edition.id) or real(r))
    result = build_editions(project, BuildOptions(topics=["neuroplasticity"], editions=["booklet"], out_dir=tmp_path))
    assert calls == ["booklet-print"]  # laid out in memory ...
    assert not (tmp_path / "neuroplasticity" / "neuroplasticity-booklet-print.pdf").exists()  # ... not written
    # The same EPUB, byte for byte, as when the PDF is built alongside it.
    assert result.outputs[0].path.read_bytes() == output(built, "neuroplasticity", "booklet").read_bytes()


def test_pdf_and_epub_together_lay_out_the_pdf_once(project, tmp_path, monkeypatch):
    from publisher.writers import pdf as pdf_writer
    calls = []
    real = pdf_writer.render_document
    monkeypatch.setattr(pdf_writer, "render_document", lambda r: calls.append(r.doc.edition.id) or real(r))
    # Asked for in the "wrong" order: the PDF is still laid out first, and once.
    result = build_editions(project, BuildOptions(topics=["neuroplasticity"], editions=["booklet", "booklet-print"],
                            out_dir=tmp_path))
    assert calls == ["booklet-print"]
    assert [o.edition for o in result.outputs] == ["booklet", "booklet-print"]
    assert len(page_list(result.outputs[0].path.read_bytes())) == result.outputs[1].pages


def test_without_page_source_there_are_no_markers_and_no_page_metadata(project_copy, tmp_path):
    editions = project_copy.editions_file
    editions.write_text(editions.read_text(encoding="utf-8").replace("  pages_from: booklet-print\n", ""),
                        encoding="utf-8")
    result = build_editions(project_copy, BuildOptions(topics=["neuroplasticity"], editions=["booklet"],
                                                       out_dir=tmp_path / "out"))
    data = result.outputs[0].path.read_bytes()
    assert markers(data) == [] and page_list(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # every file of the book, uncompressed
        carrying = [n for n in z.namelist() if any(word in z.read(n) for word in PAGE_WORDS)]
    assert carrying == []
    props = opf_meta(data)
    assert "pageBreakSource" not in props and "schema:pageBreakSource" not in props
    assert not {"pageBreakMarkers", "pageNavigation"} & set(props["schema:accessibilityFeature"])


def test_a_custom_selection_gets_no_page_numbers(project, tmp_path):
    """Page numbers are only carried when the EPUB shows exactly the printed booklet's sections."""
    from dataclasses import replace

    from publisher.pagenumbers.maps import carries_pages, page_sources
    from publisher.read import read_topic
    from publisher.select import select_sections
    editions = load_editions(project)
    topic = read_topic(project.source_dir / "neuroplasticity")
    whole = select_sections(topic, editions["booklet"])
    assert carries_pages(whole, editions, paper=None) == ("neuroplasticity", "booklet-print", "en-US")
    part = select_sections(topic, editions["booklet"], section_ids=["faq"])
    assert carries_pages(part, editions, paper=None) is None
    assert carries_pages(replace(whole, edition=editions["web"]), editions, paper=None) is None
    # Only the whole booklet makes the build lay out its printed edition first, once.
    sources = page_sources([part, whole, whole], editions, paper="a4")
    assert list(sources) == [("neuroplasticity", "booklet-print", "en-US")]
    assert sources["neuroplasticity", "booklet-print", "en-US"].paper == "a4"


# --- the edition definition --------------------------------------------------------------

@pytest.mark.parametrize("change,message", [
    ("  pages_from: booklet-print\n", "  pages_from: web\n"),
    ("  pages_from: booklet-print\n", "  pages_from: poster\n"),
    ("  layout: web\n  references: true\n", "  layout: web\n  references: true\n  pages_from: booklet-print\n"),
])
def test_pages_from_must_name_a_pdf_with_the_same_content(project_copy, change, message):
    editions = project_copy.editions_file
    text = editions.read_text(encoding="utf-8")
    assert change in text
    editions.write_text(text.replace(change, message), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_editions(project_copy)
    assert [f.code for f in caught.value.findings] == ["d-001"]
    assert "pages_from" in caught.value.findings[0].message


def test_pages_from_source_must_show_the_same_sections(project_copy):
    editions = project_copy.editions_file
    text = editions.read_text(encoding="utf-8")
    editions.write_text(text.replace("  paper: letter\n  references: true\n\nweb:",
                                     "  paper: letter\n  references: false\n\nweb:"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_editions(project_copy)
    assert "show different content" in caught.value.findings[0].message


# --- the markup steps on their own ---------------------------------------------------------

def test_block_ids_follow_the_nearest_heading_so_split_documents_agree():
    whole = add_block_ids('<h2 id="a">A</h2><p>one</p><ul><li>two</li></ul><h2 id="b">B</h2><p>three</p>')
    part = add_block_ids('<h1 id="b">B</h1><p>three</p>')
    assert 'id="a--1">one' in whole and '<li id="a--2">two' in whole
    assert re.search(r'<p id="b--1">three', whole) and re.search(r'<p id="b--1">three', part)


def test_marker_goes_at_the_character_where_the_page_starts():
    doc = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
           '<section><h1 id="h">Title</h1><p id="h--1">Hello <em>big</em> wide world</p>'
           '<ul><li id="h--2">item</li></ul></section></body></html>')
    pages = PageMap("test.pdf", (PageStart(1, "h", 0), PageStart(2, "h--1", 8), PageStart(3, "h--2", 0)))
    marked = insert_page_breaks([("a.xhtml", doc)], pages)["a.xhtml"]
    root = etree.fromstring(marked.html.encode())
    spans = {s.get("aria-label"): s for s in root.iter(f"{{{XHTML}}}span")}
    assert spans["1"].getnext().get("id") == "h"  # before the heading, inside the section
    assert words(text_after(root, spans["2"]))[:2] == ["wide", "world"]  # after "Hello" + "big"
    assert spans["3"].getparent().get("id") == "h--2"  # inside the item: a span cannot sit in <ul>
    assert marked.pages == ((1, "page-1"), (2, "page-2"), (3, "page-3"))


def test_a_page_start_the_epub_lacks_fails_the_build():
    doc = '<html xmlns="http://www.w3.org/1999/xhtml"><body><p id="x">short</p></body></html>'
    with pytest.raises(ChecksFailed) as caught:
        insert_page_breaks([("a.xhtml", doc)], PageMap("t.pdf", (PageStart(1, "nope"), PageStart(2, "x", 99))))
    assert [f.code for f in caught.value.findings] == ["e-010", "e-010"]
