"""The EPUB booklet, unzipped and parsed."""
import zipfile

from lxml import etree

from publisher.read import read_topic
from publisher.verify.text import epub_documents

from conftest import ROOT, output

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def opf_of(path):
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".opf"))
        return etree.fromstring(z.read(name))


def test_zip_layout(built):
    with zipfile.ZipFile(output(built, "neuroplasticity", "booklet")) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"


def test_package_metadata(built):
    opf = opf_of(output(built, "neuroplasticity", "booklet"))
    assert opf.get(XML_LANG) == "en-US"
    assert opf.findtext(".//dc:language", namespaces=NS) == "en-US"
    assert opf.findtext(".//dc:title", namespaces=NS).startswith("Neuroplasticity and Mental Health")
    props = {}
    for meta in opf.iterfind(".//opf:meta", NS):
        props.setdefault(meta.get("property"), []).append(meta.text)
    assert set(props["schema:accessMode"]) == {"textual", "visual"}
    assert props["schema:accessModeSufficient"] == ["textual"]
    assert "tableOfContents" in props["schema:accessibilityFeature"]
    assert "alternativeText" in props["schema:accessibilityFeature"]
    assert props["schema:accessibilityHazard"] == ["none"]
    assert props["schema:accessibilitySummary"][0]
    assert props["dcterms:modified"] == ["2026-11-01T00:00:00Z"]


def test_one_document_per_top_level_section_each_with_lang(built):
    path = output(built, "neuroplasticity", "booklet")
    docs = epub_documents(path.read_bytes())
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    chapters = [(n, d) for n, d in docs if n.startswith("s")]
    assert len(chapters) == len(topic.sections)
    for (name, doc), section in zip(chapters, topic.sections):
        assert doc.get("lang") == "en-US" and doc.get(XML_LANG) == "en-US"
        h1 = doc.find(".//x:h1", NS)
        assert h1 is not None and h1.get("id") == section.id
    names = [n for n, _ in docs]
    assert names[:3] == ["cover.xhtml", "title.xhtml", "nav.xhtml"]
    assert "references.xhtml" in names


def test_nav_has_toc_and_landmarks(built):
    docs = dict(epub_documents(output(built, "neuroplasticity", "booklet").read_bytes()))
    nav = docs["nav.xhtml"]
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    assert toc is not None and landmarks is not None
    hrefs = [a.get("href") for a in toc.iterfind(".//x:a", NS)]
    assert any(h.endswith("#depression") for h in hrefs)
    types = {a.get("{http://www.idpf.org/2007/ops}type") for a in landmarks.iterfind(".//x:a", NS)}
    assert {"toc", "bodymatter", "cover"} <= types


def test_cover_is_generated_with_alt_text(built):
    path = output(built, "neuroplasticity", "booklet")
    docs = dict(epub_documents(path.read_bytes()))
    img = docs["cover.xhtml"].find(".//x:img", NS)
    assert img.get("alt").startswith("Cover: Neuroplasticity and Mental Health")
    opf = opf_of(path)
    cover = opf.find(".//opf:item[@properties='cover-image']", NS)
    assert cover is not None and cover.get("media-type") == "image/svg+xml"


def test_references_document_lists_six_sources(built):
    docs = dict(epub_documents(output(built, "neuroplasticity", "booklet").read_bytes()))
    items = docs["references.xhtml"].findall(".//x:ol/x:li", NS)
    assert len(items) == 6
