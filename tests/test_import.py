"""`publish import`: Word, HTML and Markdown handouts -> a topic folder that builds.

The fixture documents are made here (tests/import_fixtures.py); one module-scoped import of
each is shared by the tests that read it, and one build of all three (after the editor's
fixes, done by script as an editor would) by the tests that read outputs.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

import import_fixtures as fx
from publish import cli
from publisher.importing import ImportFailed, import_document
from publisher.project import Project, load_editions

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """The fixture documents: {'docx', 'html', 'md', 'damaged', 'protected'} -> path."""
    base = tmp_path_factory.mktemp("documents")
    paths = {"docx": base / "Blood Sugar.docx"}
    fx.make_docx(paths["docx"])
    paths["html"] = fx.make_html(base / "site")
    paths["md"] = fx.make_md(base / "notes")
    paths["damaged"] = base / "damaged.docx"
    fx.make_damaged(paths["damaged"], paths["docx"])
    paths["protected"] = base / "protected.docx"
    fx.make_protected(paths["protected"], paths["docx"])
    return paths


@pytest.fixture(scope="module")
def imported(docs, tmp_path_factory):
    """Each fixture imported once into one folder: {'docx'|'html'|'md': ImportResult}."""
    into = tmp_path_factory.mktemp("source")
    ids = {"docx": "blood-sugar", "html": "foot-care", "md": "eye-checks"}
    edition = load_editions(Project(ROOT))["patient-handout"]
    return {kind: import_document(docs[kind], ids[kind], into, patient_edition=edition)
            for kind in ids}


def _codes(result, code):
    return [f for f in result.findings if f.code == code]


def _section(result, name):
    found = [p for p in result.folder.rglob(f"*-{name}.md")]
    assert len(found) == 1, (name, [str(p) for p in result.folder.rglob("*.md")])
    text = found[0].read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


# -- what the Word file becomes -------------------------------------------------------------
def test_word_file_becomes_a_topic_with_nested_sections(imported):
    result = imported["docx"]
    files = set(result.files)
    assert {"topic.yaml", "sections/01-what-is-blood-sugar.md",
            "sections/01-what-is-blood-sugar/01-checking-at-home.md",
            "sections/01-what-is-blood-sugar/01-checking-at-home/01-targets.md",
            "sections/02-storing-insulin.md"} <= files
    topic = yaml.safe_load((result.folder / "topic.yaml").read_text("utf-8"))
    assert topic["title"] == "Managing Blood Sugar"  # from the document's properties
    assert topic["language"] == "en-US"
    assert "publisher" not in topic and "reviewed" not in topic  # left for the editor, marked
    assert "# FILL IN" in (result.folder / "topic.yaml").read_text("utf-8")
    front, body = _section(result, "what-is-blood-sugar")
    assert front == {"id": "what-is-blood-sugar", "title": "What is blood sugar",
                     "audience": ["patient", "clinician"], "tags": ["handout", "summary"]}
    assert "**energy**" in body and "*whole day*" in body


def test_lists_tables_links_and_text_survive(imported):
    _, body = _section(imported["docx"], "checking-at-home")
    assert re.search(r"^- Wash your hands first\.\n+  +- Use warm water\.", body, re.M)  # nested
    assert re.search(r"^3\. +Prick the side of your finger\.\n+4\. +Put the drop", body, re.M)
    _, body = _section(imported["docx"], "targets")
    assert re.search(r"^\| *Time *\| *Target *\|\n\|[-| ]+\|\n\| *Before meals *\| *80 to 130 *\|", body, re.M)
    assert "[the health department page](https://health.example.gov/sugar)" in body
    _, body = _section(imported["docx"], "storing-insulin")
    assert "Keep insulin below 30 °C. Café con leche has sugar too." in body
    assert "El azúcar en la sangre es importante. Pregunte a su médico." in body
    assert "Store spare pens in the fridge. Never freeze them." in body  # tracked insertion accepted
    assert fx.TEXT_BOX in body  # a text box's words are not lost
    assert fx.COMMENT not in body  # a comment is not handout text


def test_pictures_saved_with_their_description(imported):
    result = imported["docx"]
    _, body = _section(result, "targets")
    images = re.findall(r"!\[([^\]]*)\]\((images/[^)]+)\)", body)
    assert images[0] == (fx.ALT, "images/targets-1.png")
    assert images[1] == ("", "images/targets-2.png")
    for _, rel in images:
        assert (result.folder / rel).read_bytes().startswith(b"\x89PNG")


def test_report_lists_what_the_editor_must_do(imported):
    result = imported["docx"]
    missing = {re.search(r"'(\w+)'", f.message).group(1) for f in _codes(result, "c-002")}
    assert missing == {"publisher", "reviewed", "next_review"}
    assert {f.message.split("'")[1] for f in _codes(result, "c-008")} == {"disclaimer", "crisis"}
    alt = _codes(result, "c-006")
    assert len(alt) == 1 and "targets-2.png" in alt[0].message and alt[0].file.endswith("01-targets.md")
    notes = " | ".join(f.message for f in _codes(result, "i-003"))
    assert "text box" in notes and fx.TEXT_BOX[:20] in notes
    assert "comment by Editor" in notes and 'under the heading "Storing insulin"' in notes
    assert "tracked change (insertion" in notes
    assert 'embedded object (Excel.Sheet.12) under the heading "Storing insulin", in the paragraph "Your log sheet:"' in notes
    levels = [f for f in result.findings if f.code in ("i-008", "r-001", "r-002")]
    assert {re.search(r"section '([\w-]+)'", f.message).group(1) for f in levels if "section '" in f.message} == {
        "what-is-blood-sugar", "checking-at-home", "targets", "storing-insulin"}
    assert all(f.file is None or "/.import-" not in f.file for f in result.findings)  # final paths


def test_html_import_reads_only_inside_its_folder(imported, docs):
    result = imported["html"]
    topic = yaml.safe_load((result.folder / "topic.yaml").read_text("utf-8"))
    assert topic["title"] == "Foot Care" and topic["language"] == "en-US"
    notes = [f.message for f in _codes(result, "i-003")]
    assert any("../outside.png" in m and "outside the document's folder" in m for m in notes)
    assert not any(p.read_bytes() == (docs["html"].parent.parent / "outside.png").read_bytes()
                   for p in (result.folder / "images").iterdir())
    assert any("Water temperature" in f.message for f in _codes(result, "i-004"))  # h2 -> h4
    _, washing = _section(result, "washing")
    assert re.search(r"^- Use warm water, not hot\.\n+ +- Test it with your elbow\.", washing, re.M)
    _, body = _section(result, "water-temperature")
    assert re.search(r"^3\. +Put on clean socks\.\n+4\. +Check your shoes\.", body, re.M)
    assert "![A foot seen from above](images/water-temperature-1.png)" in body
    assert "[foot care guide](https://health.example.gov/feet)" in body
    assert not any("alert" in p.read_text("utf-8") for p in result.folder.rglob("*.md"))  # no script


def test_markdown_import_moves_footnotes_and_keeps_the_intro(imported):
    result = imported["md"]
    topic = yaml.safe_load((result.folder / "topic.yaml").read_text("utf-8"))
    assert topic["title"] == "Eye Checks"
    _, intro = _section(result, "introduction")
    assert "Everyone with diabetes needs an eye check once a year." in intro
    # The headings after the introduction are sections of their own, not its subsections.
    assert {"sections/01-introduction.md", "sections/02-why.md", "sections/02-why/01-what-happens.md",
            "sections/03-despues.md"} <= set(result.files)
    assert not any(f.startswith("sections/01-introduction/") for f in result.files)
    _, why = _section(result, "why")
    assert "[^1]" not in why and "**Note 1:** This is called retinopathy." in why
    assert any("footnote 1" in f.message for f in _codes(result, "i-003"))
    assert any("before the first heading" in f.message for f in _codes(result, "i-004"))
    assert _section(result, "despues")[0]["title"] == "Después"  # id without the accent


# -- refusals -------------------------------------------------------------------------------
def test_damaged_protected_and_unknown_files_are_refused_with_their_name(docs, tmp_path):
    cases = {"damaged": "i-001", "protected": "i-002"}
    for kind, code in cases.items():
        with pytest.raises(ImportFailed) as caught:
            import_document(docs[kind], "x", tmp_path)
        assert [f.code for f in caught.value.findings] == [code]
        assert caught.value.findings[0].file == str(docs[kind])
    other = tmp_path / "handout.pdf"
    other.write_bytes(b"%PDF-1.7")
    with pytest.raises(ImportFailed) as caught:
        import_document(other, "x", tmp_path)
    assert caught.value.findings[0].code == "i-006"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf"]  # nothing written


def test_cli_exit_codes_and_no_overwrite(docs, tmp_path):
    runner = CliRunner()
    into = tmp_path / "topics"
    into.mkdir()
    ok = runner.invoke(cli, ["import", str(docs["md"]), "--topic", "eyes", "--into", str(into)])
    assert ok.exit_code == 0, ok.output
    assert "What to do next" in ok.output and "c-008 [error]" in ok.output
    before = {p: p.read_bytes() for p in (into / "eyes").rglob("*") if p.is_file()}
    again = runner.invoke(cli, ["import", str(docs["docx"]), "--topic", "eyes", "--into", str(into)])
    assert again.exit_code != 0 and "i-005" in again.output
    assert {p: p.read_bytes() for p in (into / "eyes").rglob("*") if p.is_file()} == before
    for bad in ("../escape", "/tmp/x", "Eyes", ""):
        result = runner.invoke(cli, ["import", str(docs["md"]), "--topic", bad, "--into", str(into)])
        assert result.exit_code == 3 and "c-017" in result.output, (bad, result.output)
    damaged = runner.invoke(cli, ["import", str(docs["damaged"]), "--topic", "d", "--into", str(into)])
    assert damaged.exit_code == 3 and "i-001" in damaged.output and "damaged.docx" in damaged.output
    assert sorted(p.name for p in into.iterdir()) == ["eyes"]  # no staging folder left behind


# -- the editor fixes the report, then everything builds and no sentence is lost -----------
def _fix_as_an_editor(folder: Path) -> None:
    topic = folder / "topic.yaml"
    text = topic.read_text("utf-8")
    text = (text.replace("# publisher:", "publisher: Riverside Family Health")
            .replace("# reviewed:", "reviewed: 2026-11-01").replace("# next_review:", "next_review: 2027-11-01"))
    topic.write_text(text, "utf-8")
    shutil.copy(TINY / "sections" / "01-disclaimer.yaml", folder / "sections" / "00-disclaimer.yaml")
    shutil.copy(TINY / "sections" / "02-help.yaml", folder / "sections" / "99-help.yaml")
    for md in folder.rglob("*.md"):
        md.write_text(re.sub(r"!\[\]\((images/[^)]+)\)", r"![A red dot](\1)", md.read_text("utf-8")), "utf-8")


def _epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        parts = [etree.fromstring(book.read(n)).xpath("string(//*[local-name()='body'])")
                 for n in sorted(book.namelist()) if n.endswith(".xhtml")]
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def built(imported, tmp_path_factory):
    into = imported["docx"].folder.parent
    for result in imported.values():
        _fix_as_an_editor(result.folder)
    out = tmp_path_factory.mktemp("handouts")
    run = CliRunner().invoke(cli, ["build", "--root", str(ROOT), "--topic-dir", str(into), "--jobs", "1",
                                   "--topic", "blood-sugar", "--topic", "foot-care", "--topic", "eye-checks",
                                   "-o", str(out)])
    return run, out


def test_fixed_imports_build_every_edition(built):
    run, out = built
    assert run.exit_code == 0, run.output
    for topic in ("blood-sugar", "foot-care", "eye-checks"):
        names = sorted(p.name for p in (out / topic).iterdir())
        assert f"{topic}-patient-handout.pdf" in names and f"{topic}-booklet.epub" in names, names


@pytest.mark.parametrize("kind,topic", [("docx", "blood-sugar"), ("html", "foot-care"), ("md", "eye-checks")])
def test_every_sentence_of_the_document_is_in_the_built_epub(built, docs, kind, topic):
    run, out = built
    assert run.exit_code == 0, run.output
    sentences = {"docx": lambda: fx.docx_sentences(docs["docx"]),
                 "html": lambda: fx.html_sentences(docs["html"].read_text("utf-8")),
                 "md": lambda: fx.md_sentences(docs["md"].read_text("utf-8"))}[kind]()
    assert len(sentences) > 10
    text = _epub_text(out / topic / f"{topic}-booklet.epub")
    missing = [s for s in sentences if s not in text]
    assert not missing, missing


def test_build_of_an_unfixed_import_lists_exactly_the_reports_errors(docs, tmp_path):
    """`publish build` on the imported topic lists the report's errors, no more, no fewer."""
    result = import_document(docs["docx"], "sugar", tmp_path)
    reported = {(f.code, Path(f.file).name, f.line) for f in result.errors}
    run = CliRunner().invoke(cli, ["build", "--root", str(ROOT), "--topic-dir", str(tmp_path),
                                   "--topic", "sugar", "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert run.exit_code == 3, run.output
    printed = {(m.group(1), Path(m.group(2)).name, int(m.group(3)) if m.group(3) else None)
               for m in re.finditer(r"^(c-\d+) \[error\] (\S+?)(?: line (\d+))?: ", run.output, re.M)}
    assert printed == reported
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pdf"))


def test_reading_level_in_the_documents_language(tmp_path):
    """Spanish is measured on the INFLESZ scale against the Spanish targets; a language with
    no formula is said to be unmeasurable, never measured with the English formula."""
    edition = load_editions(Project(ROOT))["patient-handout"]
    spanish = tmp_path / "azucar.md"
    spanish.write_text("---\ntitle: Azúcar\nlang: es\n---\n# Comer\n\nComa despacio. Beba agua con cada comida.\n",
                       "utf-8")
    result = import_document(spanish, "azucar", tmp_path, patient_edition=edition)
    levels = [f for f in result.findings if f.code in ("i-008", "r-001", "r-002")]
    assert levels and all("INFLESZ" in f.message and "Flesch" not in f.message for f in levels)
    assert "the patient handout's target is INFLESZ at least 55" in levels[0].message
    german = tmp_path / "zucker.md"
    german.write_text("---\ntitle: Zucker\nlang: de\n---\n# Essen\n\nEssen Sie langsam.\n", "utf-8")
    result = import_document(german, "zucker", tmp_path, patient_edition=edition)
    assert [f.code for f in result.findings if f.code.startswith(("r-", "i-008"))] == ["r-004"]


def test_word_title_paragraph_becomes_the_topic_title(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Caring for Your Feet", style="Title")
    document.add_heading("Every day", 1)
    document.add_paragraph("Look at your feet.")
    path = tmp_path / "feet.docx"
    document.save(path)
    result = import_document(path, "feet", tmp_path)
    topic = yaml.safe_load((result.folder / "topic.yaml").read_text("utf-8"))
    assert topic["title"] == "Caring for Your Feet"
    assert result.files == ["sections/01-every-day.md", "topic.yaml"]


@pytest.mark.parametrize("text", ["", "---\ntitle: Only a title\n---\n", "# Only a heading\n"])
def test_a_document_without_text_is_refused(tmp_path, text):
    path = tmp_path / "empty.md"
    path.write_text(text, "utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_document(path, "empty", tmp_path)
    assert [f.code for f in caught.value.findings] == ["i-001"]
    assert "no text to import" in caught.value.findings[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.md"]


def test_a_document_the_build_could_not_take_is_refused_before_anything_is_written(tmp_path):
    many = tmp_path / "many.md"
    many.write_text("".join(f"# Part {n}\n\nSome text.\n\n" for n in range(600)), "utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_document(many, "many", tmp_path)
    assert caught.value.findings[0].code == "i-007" and "600 headings" in caught.value.findings[0].message
    long = tmp_path / "long.md"
    long.write_text("# Walking\n\n## One part\n\n" + "Walk every day. " * 6000, "utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_document(long, "long", tmp_path)
    assert caught.value.findings[0].code == "i-007" and "'one-part' has 18,000 words" in caught.value.findings[0].message
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"# Big\n\n" + b"word " * 1_000_000)
    with pytest.raises(ImportFailed) as caught:
        import_document(huge, "huge", tmp_path)
    assert caught.value.findings[0].code == "i-007" and "the limit for .md files" in caught.value.findings[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.md", "long.md", "many.md"]


def test_word_file_named_md_and_staging_left_by_a_killed_import(tmp_path, docs):
    renamed = tmp_path / "handout.md"
    renamed.write_bytes(docs["docx"].read_bytes())
    with pytest.raises(ImportFailed) as caught:
        import_document(renamed, "x", tmp_path)
    assert caught.value.findings[0].code == "i-001" and "Rename it to .docx" in caught.value.findings[0].hint_text
    dead = tmp_path / ".import-old-999999999"  # no such process
    (dead / "old").mkdir(parents=True)
    import_document(docs["md"], "eyes", tmp_path)
    assert not dead.exists()


def test_report_names_the_final_files_with_the_default_folder(docs, tmp_path, monkeypatch):
    """`publish import` without --into writes into source/ and names source/<id>/..., as the
    build will, never the hidden staging folder."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "source", project / "source", ignore=shutil.ignore_patterns("neuroplasticity"))
    shutil.copytree(ROOT / "layouts", project / "layouts")
    monkeypatch.chdir(project)
    run = CliRunner().invoke(cli, ["import", str(docs["docx"]), "--topic", "sugar", "--root", str(project)])
    assert run.exit_code == 0, run.output
    assert "c-002 [error] source/sugar/topic.yaml line" in run.output
    assert ".import-" not in run.output


def test_imported_text_is_in_the_patient_handout_with_the_bundled_safety_sections(docs, tmp_path):
    """The editor copies the bundled topic's disclaimer and crisis sections (tagged for the
    handout): the patient handout then shows the imported text too, not only those two."""
    result = import_document(docs["md"], "eyes", tmp_path)
    _fix_as_an_editor(result.folder)
    bundled = ROOT / "source" / "neuroplasticity" / "sections"
    for name in ("01-disclaimer.yaml", "01-disclaimer.patient.yaml"):
        shutil.copy(bundled / name, result.folder / "sections" / name.replace("01-", "00-"))
    for name in ("10-when-to-seek-help.yaml", "10-when-to-seek-help.patient.yaml"):
        shutil.copy(bundled / name, result.folder / "sections" / name.replace("10-", "99-"))
    (result.folder / "sections" / "99-help.yaml").unlink()  # the tiny topic's crisis section
    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["build", "--root", str(ROOT), "--topic-dir", str(tmp_path), "--topic", "eyes",
                                   "--edition", "patient-handout", "--lang", "en", "--jobs", "1", "-o", str(out)])
    assert run.exit_code == 0, run.output
    from pdfminer.high_level import extract_text
    text = " ".join(extract_text(str(out / "eyes" / "eyes-patient-handout.pdf")).split())
    assert "Everyone with diabetes needs an eye check once a year." in text
    assert "988" in text


def test_a_missing_picture_is_said_to_be_missing(tmp_path):
    """A picture the document names that is not there is 'missing', one on the web 'on the
    web', one above the document's folder 'outside' it: three reasons, three messages."""
    doc = tmp_path / "doc" / "Care.md"
    doc.parent.mkdir()
    doc.write_text("# Care\n\n## Washing\n\nWash daily.\n\n![A towel](towel.png)\n\n![A map](https://x.example/map.png)\n\n"
                   "![A sock](../sock.png)\n", encoding="utf-8")
    (tmp_path / "sock.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "into").mkdir()
    result = import_document(doc, "care", tmp_path / "into")
    notes = [f.message for f in result.findings if f.code == "i-003"]
    assert any("'towel.png'" in m and "it is missing" in m for m in notes), notes
    assert any("map.png" in m and "on the web" in m for m in notes), notes
    assert any("'../sock.png'" in m and "outside the document's folder" in m for m in notes), notes
