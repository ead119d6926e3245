"""Translations as data (issue 11): files beside the texts, stale and draft translations,
outputs per language, dates in words, template words from the message catalogs."""
from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

import publish
from conftest import ROOT
from pdf_tags import page_texts
from publisher import translations
from publisher.build import BuildOptions, Project, build_editions
from publisher.errors import ChecksFailed, ContentError
from publisher.read import read_topic
from publisher.verify.text import pdf_text

TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
ABOUT = "Sleep helps you feel well."


def copy_tiny(where: Path) -> Path:
    shutil.copytree(TINY, where)
    return where


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def tiny_es(tmp_path_factory):
    """The tiny topic's patient handout, web page and EPUB, in English and in Spanish."""
    out = tmp_path_factory.mktemp("translations")
    result = build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[TINY], out_dir=out, cache=False,
                            editions=["patient-handout", "web", "booklet"]))
    return out / "tiny", result


# -- reading ----------------------------------------------------------------------------------

def test_a_translation_beside_its_source_is_read_with_its_status():
    topic = read_topic(TINY)
    assert translations.languages(topic) == ["en-US", "es"]
    about = next(s for s in topic.all_sections() if s.id == "about")
    spanish = about.translations["es"][""]
    assert spanish.title == "Sobre el sueño" and "Dormir le ayuda" in spanish.html
    assert spanish.translation.source == Path("tests/fixtures/topics/tiny/sections/03-about.md")
    assert spanish.translation.draft and not spanish.translation.stale
    assert topic.translations["es"].title == "Tema pequeño"


def test_file_names_say_variant_and_language():
    assert translations.split_name(Path("02-x.patient.es.md")) == ("02-x", "patient", "es")
    assert translations.split_name(Path("02-x.es-MX.yaml")) == ("02-x", "", "es-MX")
    assert translations.split_name(Path("02-x.patient.md")) == ("02-x", "patient", "")


def test_reviewed_needs_a_reviewer_and_a_date(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    edit(topic / "sections" / "03-about.es.md", "status: draft", "status: reviewed")
    with pytest.raises(ContentError) as caught:
        read_topic(topic)
    assert [f.code for f in caught.value.findings] == ["n-002"]
    assert "reviewer" in caught.value.findings[0].message
    assert caught.value.findings[0].file.endswith("tiny/sections/03-about.es.md")


def test_a_reviewed_translation_prints_no_draft_note(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    for path in list(topic.rglob("*.es.*")):
        edit(path, "status: draft", "status: reviewed\n  reviewer: Ana Pérez\n  reviewed: 2026-02-01")
    read = read_topic(topic)
    doc = translations.select_in(read, _edition("patient-handout"), "es")
    assert not translations.is_draft(doc)


def test_a_translation_of_nothing_is_reported(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    shutil.copy(topic / "sections" / "03-about.es.md", topic / "sections" / "05-gone.es.md")
    with pytest.raises(ContentError) as caught:
        read_topic(topic)
    assert any(f.code == "n-004" and "05-gone.es.md" in f.message for f in caught.value.findings)


def test_a_warning_sign_dropped_in_translation_is_an_error(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    edit(topic / "sections" / "02-help.yaml", "  - You feel sad most days\n",
         "  - You feel sad most days\n  - You cannot sleep\n")
    with pytest.raises(ContentError) as caught:
        read_topic(topic)
    assert any(f.code == "n-002" and "warning signs" in f.message for f in caught.value.findings)


def test_a_variant_that_cannot_be_read_gives_its_own_error_not_one_about_its_translation(tmp_path):
    """A YAML error in a variant (c-001) is reported once, on that file: its translation is
    not also said to translate "a variant the section does not have" (n-004)."""
    topic = copy_tiny(tmp_path / "tiny")
    sections = topic / "sections"
    (sections / "03-about.patient.md").write_text("---\ntitle: About: plain\n---\nSleep well.\n", encoding="utf-8")
    (sections / "03-about.patient.es.md").write_text(
        "---\ntitle: Sobre el sueño\ntranslation:\n  source: 03-about.patient.md\n  source_fingerprint: 0\n"
        "  status: draft\n---\nDuerma bien.\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_topic(topic)
    codes = [(f.code, Path(f.file).name) for f in caught.value.findings]
    assert ("c-001", "03-about.patient.md") in codes and not [c for c in codes if c[0] == "n-004"], codes


# -- stale translations -----------------------------------------------------------------------

def test_changing_one_english_sentence_makes_the_spanish_build_report_a_stale_translation(tmp_path, monkeypatch):
    topic = copy_tiny(tmp_path / "tiny")
    edit(topic / "sections" / "03-about.md", ABOUT, "Good sleep helps you feel well.")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ChecksFailed) as caught:
        build_editions(Project(ROOT), BuildOptions(topics=["tiny"], topic_dirs=[topic], out_dir=tmp_path / "out", cache=False,
                       editions=["patient-handout"], langs=["es"]))
    stale = [f for f in caught.value.findings if f.code == "n-001"]
    assert len(stale) == 1 and stale[0].is_error
    assert stale[0].file == "tiny/sections/03-about.es.md"
    assert "stale translation: tiny/sections/03-about.md changed" in stale[0].message  # both files named
    assert not (tmp_path / "out" / "tiny").exists()  # nothing written


def test_stale_translations_can_be_allowed_and_then_warn(tmp_path, monkeypatch):
    topic = copy_tiny(tmp_path / "tiny")
    edit(topic / "sections" / "03-about.md", ABOUT, "Good sleep helps you feel well.")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(publish.cli, [
        "build", "--root", str(ROOT), "--topic-dir", str(topic), "--topic", "tiny", "--edition", "patient-handout",
        "--lang", "es", "--allow-stale-translations", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "n-001 [warning] tiny/sections/03-about.es.md" in result.output
    assert (tmp_path / "out" / "tiny" / "tiny-patient-handout.es.pdf").is_file()
    assert not (tmp_path / "out" / "tiny" / "tiny-patient-handout.pdf").exists()  # --lang es only


def test_an_english_only_build_reads_no_spanish_translation(tmp_path, monkeypatch):
    """`--lang en` builds the topic's own language only: the bilingual editions (built with
    their second language, `--lang es`) are left out, so a stale Spanish text cannot stop it."""
    topic = copy_tiny(tmp_path / "tiny")
    edit(topic / "sections" / "03-about.md", ABOUT, "Good sleep helps you feel well.")
    monkeypatch.chdir(tmp_path)
    options = dict(topics=["tiny"], topic_dirs=[topic], out_dir=tmp_path / "out", cache=False,
                   editions=["patient-handout", "patient-handout-bilingual"])
    result = build_editions(Project(ROOT), BuildOptions(**options, langs=["en"]))
    assert [o.path.name for o in result.outputs] == ["tiny-patient-handout.pdf"]
    assert not [f for f in result.findings if f.code == "n-001"]
    with pytest.raises(ChecksFailed):  # the Spanish and the English-and-Spanish files: the stale text counts
        build_editions(Project(ROOT), BuildOptions(**options, langs=["es"]))


def test_a_reviewed_translation_built_stale_says_it_is_not_reviewed(tmp_path, monkeypatch):
    """A translation a reviewer checked, whose English changed since, built with
    --allow-stale-translations: nobody has reviewed it against the new text, so the file says
    "Traducción aún no revisada" as a draft does (and the warning no longer offers the option)."""
    topic = copy_tiny(tmp_path / "tiny")
    for path in (topic / "sections").glob("*.es.*"):
        edit(path, "  status: draft\n", "  status: reviewed\n  reviewer: Ana Pérez, CHI\n  reviewed: 2026-02-01\n")
    for path in topic.glob("*.es.yaml"):
        edit(path, "  status: draft\n", "  status: reviewed\n  reviewer: Ana Pérez, CHI\n  reviewed: 2026-02-01\n")
    monkeypatch.chdir(tmp_path)
    options = dict(topics=["tiny"], topic_dirs=[topic], cache=False, editions=["patient-handout"], langs=["es"])
    reviewed = build_editions(Project(ROOT), BuildOptions(**options, out_dir=tmp_path / "reviewed"))
    assert "revisada" not in squash(pdf_text(reviewed.outputs[0].path.read_bytes()))
    edit(topic / "sections" / "03-about.md", ABOUT, "Good sleep helps you feel well.")
    stale = build_editions(Project(ROOT), BuildOptions(**options, out_dir=tmp_path / "stale",
                                                       allow_stale_translations=True))
    assert "Traducción aún no revisada" in squash(pdf_text(stale.outputs[0].path.read_bytes()))
    [warning] = [f for f in stale.findings if f.code == "n-001"]
    assert not warning.is_error and "--allow-stale-translations" not in warning.hint_text


# -- which editions are built in which language ----------------------------------------------

def _edition(name):
    from publisher.build import load_editions
    return load_editions(Project(ROOT))[name]


def test_an_edition_a_language_does_not_cover_is_not_built_and_list_says_what_is_missing(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    (topic / "sections" / "02-help.es.yaml").unlink()
    docs, skipped = translations.plan(read_topic(topic), [_edition("patient-handout"), _edition("web")])
    assert [(d.edition.id, d.topic.language) for d in docs] == [("patient-handout", "en-US"), ("web", "en-US")]
    assert [(e.id, lang, missing) for e, lang, missing in skipped] == [
        ("patient-handout", "es", ["help"]), ("web", "es", ["help"])]
    result = CliRunner().invoke(publish.cli, ["list", "--root", str(ROOT), "--topic-dir", str(topic), "tiny"])
    assert result.exit_code == 0, result.output
    assert "es: complete: none" in result.output and "patient-handout: missing help" in result.output


def test_file_names_say_the_language_and_english_names_are_unchanged(tiny_es):
    folder, _ = tiny_es
    assert sorted(p.name for p in folder.iterdir()) == [
        "tiny-booklet.epub", "tiny-booklet.es.epub", "tiny-patient-handout.es.pdf", "tiny-patient-handout.pdf",
        "tiny-web.es.html", "tiny-web.html"]


# -- what the outputs say ---------------------------------------------------------------------

def squash(text: str) -> str:
    return " ".join(text.split())


def test_dates_a_reader_reads_are_in_words_in_every_language(tiny_es):
    folder, _ = tiny_es
    english = squash(pdf_text((folder / "tiny-patient-handout.pdf").read_bytes()))
    spanish = squash(pdf_text((folder / "tiny-patient-handout.es.pdf").read_bytes()))
    assert "Reviewed January 1, 2026" in english and "Next review January 1, 2027" in english
    assert "Revisado el 1 de enero de 2026" in spanish and "Próxima revisión: 1 de enero de 2027" in spanish
    assert not re.search(r"\b2026-01-01\b", english + spanish)
    web = squash(lxml_html.fromstring((folder / "tiny-web.html").read_bytes()).text_content())
    assert "Reviewed January 1, 2026" in web and "2026-01-01" not in web
    with zipfile.ZipFile(folder / "tiny-booklet.es.epub") as book:
        opf = book.read("EPUB/content.opf").decode()
        colophon = book.read("EPUB/colophon.xhtml").decode()
    assert "<dc:date>2026-01-01</dc:date>" in opf  # machine-readable dates stay ISO 8601
    assert "Última revisión: 1 de enero de 2026." in colophon


def test_template_words_and_the_draft_note_are_in_the_output_language(tiny_es):
    folder, _ = tiny_es
    spanish = squash(pdf_text((folder / "tiny-patient-handout.es.pdf").read_bytes()))
    assert "Página 1 de 1" in spanish and "Page 1" not in spanish
    assert spanish.count("Traducción aún no revisada") >= 2  # the title block and the footer
    english = squash(pdf_text((folder / "tiny-patient-handout.pdf").read_bytes()))
    assert "not yet reviewed" not in english and "Traducción" not in english
    page = lxml_html.fromstring((folder / "tiny-web.es.html").read_bytes())
    assert page.get("lang") == "es" and page.get("dir") == "ltr"
    assert "Traducción aún no revisada" in page.text_content() and "Ir al contenido principal" in page.text_content()
    with zipfile.ZipFile(folder / "tiny-booklet.es.epub") as book:
        title = book.read("EPUB/title.xhtml").decode()
        opf = book.read("EPUB/content.opf").decode()
        nav = book.read("EPUB/nav.xhtml").decode()
    assert "Traducción aún no revisada" in title and "<h1 id=\"toc-title\">Contenido</h1>" in nav
    assert '<dc:language>es</dc:language>' in opf and 'xml:lang="es"' in opf
    summary = re.search(r'property="schema:accessibilitySummary">([^<]*)<', opf).group(1)
    assert summary.startswith("Este folleto tiene un índice")


def test_the_spanish_handout_shows_the_translated_safety_texts(tiny_es):
    folder, _ = tiny_es
    spanish = squash(pdf_text((folder / "tiny-patient-handout.es.pdf").read_bytes()))
    assert "Aviso médico" in spanish and "No reemplaza a su médico." in spanish
    assert "Si está en crisis, llame o mande un texto al 988." in spanish
    assert "Medical Disclaimer" not in spanish and "When to Get Help" not in spanish


# -- message catalogs -------------------------------------------------------------------------

def extracted_messages() -> set[str]:
    """Every message of the code and the templates, extracted the way babel.cfg says
    (`pybabel extract -F babel.cfg`): a plural message by its singular."""
    from babel.messages.frontend import parse_mapping_cfg
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {msg[2] if isinstance(msg[2], str) else msg[2][0]
            for msg in extract_from_dir(str(ROOT), method_map=method_map, options_map=options_map)}


def message_id(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_template_word_has_a_spanish_translation_and_the_template_is_current():
    """Every word the code and the layouts write comes from the catalogs: the template is what
    babel.cfg extracts today, and the Spanish (and Hebrew) catalog translates every message,
    each plural form, none fuzzy, with the same placeholders (Babel's own checks)."""
    extracted = extracted_messages()
    assert {"Page %(page)s of %(pages)s", "Custom patient handout", "Peer-reviewed research",
            "and %(count)d more section"} <= extracted
    with open(ROOT / "layouts" / "locales" / "messages.pot", "rb") as f:
        template = {message_id(m) for m in read_po(f) if m.id}
    assert extracted == template, "run the pybabel extract command in docs/CONTENT.md"
    for lang in ("es", "he"):
        with open(ROOT / "layouts" / "locales" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            catalog = read_po(f)
        translated = {message_id(m): m for m in catalog if m.id}
        assert sorted(extracted - set(translated)) == [], f"{lang}: messages the catalog lacks"
        empty = [i for i, m in translated.items()
                 if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,))]
        assert empty == [], f"{lang}: messages without a translation"
        assert [(m.id, errors) for m, errors in catalog.check()] == [], lang


def test_a_language_without_a_catalog_gets_the_english_words():
    from publisher import i18n
    assert i18n.gettext_for(ROOT / "layouts", "de")("Contents") == "Contents"
    assert i18n.gettext_for(ROOT / "layouts", "es-MX")("Contents") == "Contenido"
    assert i18n.date_words(__import__("datetime").date(2026, 11, 1), "es") == "1 de noviembre de 2026"
    assert i18n.date_words(__import__("datetime").date(2026, 11, 1), "en-US") == "November 1, 2026"


def test_structure_of_the_spanish_epub_is_valid_xhtml(tiny_es):
    folder, _ = tiny_es
    with zipfile.ZipFile(folder / "tiny-booklet.es.epub") as book:
        for name in book.namelist():
            if name.endswith(".xhtml"):
                root = etree.fromstring(book.read(name))
                assert root.get("lang") == "es"


# -- the bilingual handout --------------------------------------------------------------------

@pytest.fixture(scope="module")
def bilingual_both(tmp_path_factory):
    out = tmp_path_factory.mktemp("bilingual")
    result = build_editions(Project(ROOT), BuildOptions(
        topics=["neuroplasticity"], cache=False, out_dir=out,
        editions=["patient-handout-bilingual", "patient-handout-bilingual-web"]))
    return {o.edition: o for o in result.outputs}


@pytest.fixture(scope="module")
def bilingual(bilingual_both):
    return bilingual_both["patient-handout-bilingual"]


def tagged_with_language(path: Path) -> list[tuple[str, str, str]]:
    """(tag, text in NFC, language in force) of every structure element, in reading order."""
    from pdf_tags import tagged_texts
    return [(tag, unicodedata.normalize("NFC", words), lang) for tag, words, lang in tagged_texts(path)]


def test_bilingual_handout_has_two_sheets_and_the_main_language_in_the_catalog(bilingual):
    import pikepdf
    assert bilingual.pages <= 4 and bilingual.path.name == "neuroplasticity-patient-handout-bilingual.pdf"
    text = squash(pdf_text(bilingual.path.read_bytes()))
    # the English title block and the English sheet's two footers; the Spanish sheet has its own
    assert text.count("Translation not yet reviewed") == 3 and "Translation not yet reviewed · Traducción" not in text
    with pikepdf.open(bilingual.path) as pdf:
        assert str(pdf.Root.Lang) == "en-US"


def test_every_spanish_passage_of_the_bilingual_handout_is_tagged_spanish(bilingual):
    elements = tagged_with_language(bilingual.path)
    headings = [(text, lang) for tag, text, lang in elements if re.fullmatch(r"/H[1-6]", tag)]
    start = headings.index(("Neuroplasticidad y salud mental", "es"))  # the Spanish part's title
    assert headings[0] == ("Neuroplasticity and Mental Health", "en-US")
    assert all(lang == "en-US" for _, lang in headings[:start])
    assert all(lang == "es" for _, lang in headings[start:])
    spanish = {text for text, _ in headings[start:]}
    assert {"1. Lea esto primero", "6. Cuándo buscar ayuda", "Si está en crisis"} <= spanish
    # The Spanish part is one run at the end: it starts with its own title block (the clinic
    # profile's Spanish name), and every passage in it, paragraphs and list items too, is
    # Spanish; every passage before it is English.
    first = next(i for i, (_, _, lang) in enumerate(elements) if lang == "es")
    assert elements[first][1].startswith("Clínica de Salud Comunitaria")
    passages = [(tag, text, lang) for tag, text, lang in elements if tag in ("/P", "/LI", "/LBody") and text]
    spanish_part = [p for p in passages if elements.index(p) >= first]
    assert spanish_part and all(lang == "es" for _, _, lang in spanish_part)
    assert any("988" in text and "Prevención del Suicidio" in text for _, text, _ in spanish_part)
    english = [p for p in passages if elements.index(p) < first]
    assert english and all(lang == "en-US" for _, _, lang in english)
    assert any("call or text 988" in text for _, text, _ in english)


def test_bilingual_web_page_marks_the_spanish_part_and_keeps_ids_unique(bilingual_both):
    page = lxml_html.fromstring(bilingual_both["patient-handout-bilingual-web"].path.read_bytes())
    assert page.get("lang") == "en-US"
    [part] = page.find_class("second-language")
    assert part.get("lang") == "es" and part.getparent().tag == "main"
    text = squash(part.text_content())
    assert "Lea esto primero" in text and "llame o envíe un mensaje de texto al 988" in text
    assert "Please read first" not in text and "Please read first" in squash(page.text_content())
    ids = [e.get("id") for e in page.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids)) and "es-disclaimer" in ids
    assert page.find(".//nav").findall(".//a")[-1].get("href") == "#es-title"
    assert len(page.findall(".//main")) == 1


def test_bilingual_handout_passes_the_pdf_ua_checks(bilingual):
    from publisher.verify.pdf import check
    assert [f for f in check(bilingual.path.read_bytes(), name="bilingual") if f.is_error] == []


# -- custom summaries in a language -----------------------------------------------------------

def test_a_spanish_summary_carries_the_safety_sections_in_spanish(tmp_path):
    result = CliRunner().invoke(publish.cli, [
        "summary", "tiny", "--root", str(ROOT), "--topic-dir", str(TINY), "--audience", "patient",
        "--section", "about", "--lang", "es", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [path] = list(tmp_path.glob("*.pdf"))
    assert path.name == "tiny-patient-about.es.pdf"
    text = squash(pdf_text(path.read_bytes()))
    assert "Sobre el sueño" in text and "Aviso médico" in text and "Si está en crisis, llame o mande un texto al 988." in text
    assert "Added the required safety sections for patients: Aviso médico, Cuándo pedir ayuda." in result.output


def test_a_summary_whose_safety_section_has_no_translation_is_refused_with_its_id(tmp_path):
    topic = copy_tiny(tmp_path / "tiny")
    (topic / "sections" / "02-help.es.yaml").unlink()
    result = CliRunner().invoke(publish.cli, [
        "summary", "tiny", "--root", str(ROOT), "--topic-dir", str(topic), "--audience", "patient",
        "--section", "about", "--lang", "es", "-o", str(tmp_path / "out")])
    assert result.exit_code == 4
    assert "n-003 [error]" in result.output and "no translation of help" in result.output
    assert not (tmp_path / "out").exists()


def test_each_sheet_of_the_bilingual_handout_has_its_footer_in_its_own_language(bilingual):
    pages = page_texts(bilingual.path)
    assert len(pages) == 4
    for number, text in enumerate(pages[:2], start=1):  # the English sheet
        assert f"Page {number} of 4" in text and "Reviewed November 1, 2026" in text
        assert "Community Health Clinic" in text and "Página" not in text and "Traducción aún" not in text
    for number, text in enumerate(pages[2:], start=3):  # the Spanish sheet
        assert f"Página {number} de 4" in text and "Revisado el 1 de noviembre de 2026" in text
        # the title line with the draft note (they share the footer's first line), then the clinic
        assert "Neuroplasticidad y salud mental · Traducción aún no revisada Clínica de Salud Comunitaria" in text
        assert "Page " not in text and "Reviewed" not in text and "Translation not yet" not in text


def test_spanish_edition_name_stays_on_one_line_in_the_title_block(tmp_path):
    result = build_editions(Project(ROOT), BuildOptions(topics=["neuroplasticity"], editions=["patient-handout"],
                                                        langs=["es"], cache=False, out_dir=tmp_path))
    (spanish,) = [o for o in result.outputs if o.path.suffix == ".pdf"]
    lines = pdf_text(spanish.path.read_bytes()).splitlines()
    assert any(line.startswith("Hoja para pacientes · Revisado el") for line in lines), \
        [line for line in lines if "Hoja" in line]


def test_edition_titles_are_read_once_while_the_file_is_unchanged(tmp_path, monkeypatch):
    """editions.<lang>.yaml is parsed once a process (a build asks for every output); a
    changed file is read again."""
    from publisher import translations, yamlfile
    editions = tmp_path / "editions.yaml"
    editions.write_text("web: {title: Web page, format: html}\n", encoding="utf-8")
    spanish = tmp_path / "editions.es.yaml"
    spanish.write_text("web: {title: Página web}\n", encoding="utf-8")
    reads = []
    real = yamlfile.read_text
    monkeypatch.setattr(yamlfile, "read_text", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    assert translations.edition_titles(editions, "es") == {"web": "Página web"}
    assert translations.edition_titles(editions, "es") == {"web": "Página web"}
    assert len(reads) == 1
    spanish.write_text("web: {title: La página web}\n", encoding="utf-8")
    assert translations.edition_titles(editions, "es") == {"web": "La página web"}
    assert len(reads) == 2
