"""The bilingual patient handout as an e-book (issue 11): `patient-handout-bilingual-epub` in
source/editions.yaml. Each section's document holds the section in English, then the same
section in Spanish in a part marked lang/xml:lang (and dir), both numbered the same; the nav,
the package metadata, the title page's draft note and the safety texts in both languages.
EPUBCheck and Ace run on it with every other EPUB in tests/test_validators.py."""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT
from publisher.build import BuildOptions, Project, build_editions
from publisher.clinic import read_clinic
from publisher.editions import read_editions
from publisher.read import read_topic
from publisher.render import render_edition
from publisher.translations import select_bilingual
from publisher.verify.safety import check_safety
from publisher.writers import epub as epub_writer

EDITION = "patient-handout-bilingual-epub"
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "epub": "http://www.idpf.org/2007/ops"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RIVERSIDE = ROOT / "tests" / "fixtures" / "clinics" / "riverside.yaml"
TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
RTL = ROOT / "tests" / "fixtures" / "topics" / "rtl-sleep"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The bundled topic's bilingual e-book, built by default (no --edition), with the
    Riverside clinic profile (two local crisis lines)."""
    out = tmp_path_factory.mktemp("bilingual-epub")
    result = build_editions(Project(ROOT), BuildOptions(topics=["neuroplasticity"], editions=[EDITION],
                                                        clinic_file=RIVERSIDE, cache=False, out_dir=out))
    (output,) = [o for o in result.outputs if o.edition == EDITION]
    return output


def documents(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as z:
        return {n.rpartition("/")[2]: etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")}


def opf(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def parts(doc: etree._Element) -> tuple[etree._Element, etree._Element]:
    """(the English part: the body without the Spanish part, the Spanish part)."""
    body = doc.find("x:body", NS)
    [spanish] = body.xpath("x:div[contains(@class, 'second-language')]", namespaces=NS)
    english = etree.fromstring(etree.tostring(body))
    english.remove(english.xpath("x:div[contains(@class, 'second-language')]", namespaces=NS)[0])
    return english, spanish


def test_the_default_build_makes_the_bilingual_epub():
    edition = read_editions(ROOT / "source" / "editions.yaml", ROOT / "layouts")[EDITION]
    assert (edition.format, edition.bilingual, edition.variant, edition.tag) == ("epub", "es", "patient", "handout")


def test_package_lists_both_languages_main_first_and_both_reading_levels(book):
    package = opf(book.path)
    assert book.path.name == "neuroplasticity-patient-handout-bilingual-epub.epub"
    assert package.get(XML_LANG) == "en-US"
    assert [e.text for e in package.iterfind(".//dc:language", NS)] == ["en-US", "es"]
    level = package.xpath(".//opf:meta[@property='schema:educationalLevel']", namespaces=NS)[0].text
    assert re.fullmatch(r"Flesch-Kincaid grade \d+\.\d; INFLESZ \d+\.\d \(bastante fácil\)", level), level


def test_every_section_document_holds_the_section_in_english_then_in_spanish_numbered_the_same(book):
    docs = documents(book.path)
    chapters = sorted(n for n in docs if re.match(r"s\d\d-", n))
    assert [c.split("-", 1)[1] for c in chapters] == [
        "disclaimer.xhtml", "what-is-neuroplasticity.xhtml", "research.xhtml", "clinical-implications.xhtml",
        "misconceptions.xhtml", "when-to-seek-help.xhtml"]
    for number, name in enumerate(chapters, start=1):
        doc = docs[name]
        assert doc.get("lang") == doc.get(XML_LANG) == "en-US"
        english, spanish = parts(doc)
        assert spanish.get("lang") == spanish.get(XML_LANG) == "es" and spanish.get("dir") == "ltr"
        section_id = name[4:-len(".xhtml")]
        [en_h1] = english.xpath(".//x:h1", namespaces=NS)
        [es_h1] = spanish.xpath(".//x:h1", namespaces=NS)
        assert en_h1.get("id") == section_id and es_h1.get("id") == "es-" + section_id
        assert en_h1.text.startswith(f"{number}. ") and es_h1.text.startswith(f"{number}. ")
        assert doc.findtext("x:head/x:title", namespaces=NS) == en_h1.text
        # The Spanish part's ids, links and labels all carry the prefix; no id is used twice.
        ids = [e.get("id") for e in doc.iter() if e.get("id")]
        assert len(ids) == len(set(ids))
        assert all(e.get("id").startswith("es-") for e in spanish.iter() if e.get("id"))
        assert all(e.get("aria-labelledby").startswith("es-") for e in spanish.iter() if e.get("aria-labelledby"))
    first = documents(book.path)["s03-research.xhtml"]
    english, spanish = parts(first)
    assert "Exercise" in text(english) and "Ejercicio" in text(spanish) and "Ejercicio" not in text(english)
    assert text(parts(docs["s01-disclaimer.xhtml"])[0]).startswith("1. Please read first")
    assert text(parts(docs["s01-disclaimer.xhtml"])[1]).startswith("1. Lea esto primero")


def test_disclaimer_and_crisis_help_with_the_local_lines_are_in_both_languages(book):
    docs = documents(book.path)
    en, es = (text(p) for p in parts(docs["s01-disclaimer.xhtml"]))
    assert "It is not medical advice." in en and "No es un consejo médico." in es
    en, es = (text(p) for p in parts(docs["s06-when-to-seek-help.xhtml"]))
    assert "call or text 988" in en and "llame o envíe un mensaje de texto al 988" in es
    for part in (en, es):
        assert "+1 217-555-0199" in part and "211" in part
    # each language's part has the profile's words in that language (riverside.es.yaml)
    assert "Riverside County Crisis Team: +1 217-555-0199 (open day and night)" in en
    assert "Equipo de Crisis del Condado de Riverside: +1 217-555-0199 (abierto de día y de noche)" in es
    assert "Local help near Riverside Family Health:" in en
    assert "Local help near" not in es and "Ayuda cerca de Riverside Family Health:" in es


def test_title_page_says_the_translation_is_not_reviewed_in_both_languages(book):
    english, spanish = parts(documents(book.path)["title.xhtml"])
    assert "Translation not yet reviewed" in text(english) and "Traducción aún no revisada" not in text(english)
    assert "Traducción aún no revisada" in text(spanish) and "Translation not yet" not in text(spanish)
    assert spanish.xpath(".//x:h1", namespaces=NS)[0].text == "Neuroplasticidad y salud mental"
    # the colophon too, each language in its own part
    english, spanish = parts(documents(book.path)["colophon.xhtml"])
    assert "Translation not yet reviewed" in text(english) and "Traducción aún no revisada" in text(spanish)


def test_nav_lists_each_section_in_both_languages_and_marks_the_spanish_entries(book):
    docs = documents(book.path)
    nav = docs["nav.xhtml"].xpath("//x:nav[@epub:type='toc']/x:ol", namespaces=NS)[0]
    entries = nav.xpath("x:li", namespaces=NS)
    titles = [(li.get("lang"), li.get(XML_LANG), li.xpath("x:a", namespaces=NS)[0].text) for li in entries]
    assert titles[:4] == [(None, None, "1. Please read first"), ("es", "es", "1. Lea esto primero"),
                          (None, None, "2. What is neuroplasticity?"), ("es", "es", "2. ¿Qué es la neuroplasticidad?")]
    assert len(entries) == 14 and all(lang == "es" for lang, _, _ in titles[1::2])
    # the titles carry the section numbers: the list does not number them again ("1. 1. ...")
    assert nav.get("class") == "numbered-titles"
    with zipfile.ZipFile(book.path) as z:
        assert "ol.numbered-titles { list-style: none;" in z.read("EPUB/styles/epub.css").decode()
    assert titles[-2:] == [(None, None, "About this booklet"), ("es", "es", "Sobre este folleto")]
    # every link of the nav goes to an id that exists in its document
    for a in nav.iter("{%s}a" % NS["x"]):
        name, _, target = a.get("href").partition("#")
        assert docs[name].xpath(f"//*[@id='{target}']"), a.get("href")


def test_the_safety_check_finds_a_missing_spanish_disclaimer(book):
    """A bilingual output must carry the disclaimer in both languages: remove the Spanish one
    from the book and the safety check says so."""
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    doc = select_bilingual(topic, read_editions(ROOT / "source" / "editions.yaml", ROOT / "layouts")[EDITION])
    data = book.path.read_bytes()
    assert check_safety(doc, data, name="book") == []
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith("s01-disclaimer.xhtml"):
                content = content.replace("No es un consejo médico.".encode(), b"")
            target.writestr(name, content)
    [found] = check_safety(doc, out.getvalue(), name="book")
    assert found.code == "s-001" and "'disclaimer' is missing in 'es'" in found.message


def test_a_right_to_left_second_language_is_marked_rtl(tmp_path):
    """The tiny topic with a Hebrew translation (rtl-sleep's texts, same ids): the second
    language's parts and nav entries carry dir="rtl"; the spine stays left to right."""
    topic_dir = shutil.copytree(TINY, tmp_path / "tiny")
    for source, target in (("01-disclaimer.yaml", "01-disclaimer"), ("02-help.yaml", "02-help"),
                           ("03-about.md", "03-about")):
        spanish = (TINY / "sections" / f"{target}.es{Path(source).suffix}").read_text(encoding="utf-8")
        fingerprint = re.search(r"source_fingerprint: (\w+)", spanish)[1]
        hebrew = (RTL / "sections" / source).read_text(encoding="utf-8")
        header = f"translation:\n  source: {source}\n  source_fingerprint: {fingerprint}\n  status: draft\n"
        if source.endswith(".md"):
            front, body = hebrew.split("---\n")[1:3]
            title = re.search(r"^title: .*$", front, re.M)[0]
            hebrew = f"---\n{title}\n{header}---\n{body}"
        else:
            hebrew = header + "\n".join(line for line in hebrew.splitlines()
                                        if not line.startswith(("id:", "audience:", "kind:", "required:"))) + "\n"
        (topic_dir / "sections" / f"{target}.he{Path(source).suffix}").write_text(hebrew, encoding="utf-8")
    spanish_topic = (TINY / "topic.es.yaml").read_text(encoding="utf-8")
    (topic_dir / "topic.he.yaml").write_text(spanish_topic.replace("Tema pequeño", "נושא קטן"), encoding="utf-8")
    topic = read_topic(topic_dir)
    edition = replace(read_editions(ROOT / "source" / "editions.yaml", ROOT / "layouts")[EDITION],
                      bilingual="he", reading_level=())
    doc = select_bilingual(topic, edition)
    rendered = render_edition(doc, clinic=read_clinic(ROOT / "source" / "clinic.yaml"), layouts_dir=ROOT / "layouts")
    data = epub_writer.write(rendered).data
    path = tmp_path / "book.epub"
    path.write_bytes(data)
    docs = documents(path)
    english, hebrew_part = parts(docs["s03-about.xhtml"])
    assert hebrew_part.get("lang") == "he" and hebrew_part.get("dir") == "rtl"
    assert "כדאי לישון 8 שעות בלילה" in text(hebrew_part) and "Sleep helps you feel well." in text(english)
    assert docs["s03-about.xhtml"].get("dir") == "ltr"
    hebrew_entries = docs["nav.xhtml"].xpath("//x:li[@lang='he']", namespaces=NS)
    assert hebrew_entries and all(li.get("dir") == "rtl" for li in hebrew_entries)
    assert [e.text for e in opf(path).iterfind(".//dc:language", NS)] == ["en-US", "he"]
    assert 'page-progression-direction' not in etree.tostring(opf(path)).decode()
