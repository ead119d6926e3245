"""Issue 14, errors that blame the wrong thing, on the content side: hidden characters in
(safety) text refused at their position, and an empty top-left table cell that is not
written as an empty header cell. (Reserved ids: tests/test_ids.py.)"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile

import pikepdf
import pytest

from conftest import ROOT
from pdf_tags import element_texts
from publisher.build import BuildOptions, Project, build_editions
from publisher.clinic import read_clinic
from publisher.markup import to_html
from publisher.model import SourceRef
from publisher.read import read_topic
from yaml_readers import TINY, problems

RLO, PDF_ = "\u202e", "\u202c"


def tiny(tmp_path, **files: str):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    for name, text in files.items():
        (folder / "sections" / name).write_text(text, encoding="utf-8")
    return folder


def help_file(crisis: str) -> str:
    return (TINY / "sections" / "02-help.yaml").read_text(encoding="utf-8").replace(
        "crisis: If you are in crisis, call or text 988.", f"crisis: {crisis}")


# -- hidden characters ----------------------------------------------------------------------
def test_a_direction_override_around_988_is_refused_at_its_line_and_column(tmp_path):
    """Case rlo-around-988: shows as 988, says 889. Refused where it is, and no 'required
    section missing' follows."""
    folder = tiny(tmp_path, **{"02-help.yaml": help_file(f"If you are in crisis, call or text {RLO}889{PDF_}.")})
    found = problems(lambda: read_topic(folder))
    assert [(f.code, f.line) for f in found] == [("c-023", 8), ("c-023", 8)]
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE) at column 44" in found[0].message
    assert "U+202C (POP DIRECTIONAL FORMATTING) at column 48" in found[1].message
    line = (folder / "sections" / "02-help.yaml").read_text(encoding="utf-8").splitlines()[7]
    assert line[43] == RLO and line[47] == PDF_


@pytest.mark.parametrize("char", ["\u200b", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u202d", "\u2060",
                                  "\ufeff"])
def test_hidden_characters_are_refused_in_any_text(tmp_path, char):
    about = (TINY / "sections" / "03-about.md").read_text(encoding="utf-8").replace("Sleep helps", f"Sle{char}ep helps")
    [problem] = problems(lambda: read_topic(tiny(tmp_path, **{"03-about.md": about})))
    assert problem.code == "c-023" and f"U+{ord(char):04X}" in problem.message and problem.line == 6


@pytest.mark.parametrize("char", ["\u200d", "\u200c", "\u200e", "\u200f", "\u00ad", "\u061c"])
def test_marks_other_scripts_need_are_refused_only_in_safety_text(tmp_path, char):
    about = (TINY / "sections" / "03-about.md").read_text(encoding="utf-8").replace("Sleep helps", f"Sle{char}ep helps")
    read_topic(tiny(tmp_path / "ok", **{"03-about.md": about}))  # ordinary text: allowed
    folder = tiny(tmp_path / "bad", **{"02-help.yaml": help_file(f"Call or text 9{char}88.")})
    [problem] = problems(lambda: read_topic(folder))
    assert problem.code == "c-023" and problem.message.startswith(f"the safety text holds U+{ord(char):04X}")
    assert problem.file.endswith("02-help.yaml") and problem.line == 8


def test_a_hidden_character_written_as_a_yaml_escape_is_refused(tmp_path):
    folder = tiny(tmp_path, **{"02-help.yaml": help_file('"Call or text \\u202e889\\u202c."')})
    found = problems(lambda: read_topic(folder))
    assert [(f.code, f.line) for f in found] == [("c-023", 8)] and "U+202E" in found[0].message


def test_a_safety_only_mark_written_as_a_yaml_escape_is_refused_in_safety_text(tmp_path):
    folder = tiny(tmp_path, **{"02-help.yaml": help_file('"Call or text 9\\u00ad88."')})
    [problem] = problems(lambda: read_topic(folder))
    assert (problem.code, problem.line) == ("c-023", 8) and "U+00AD (SOFT HYPHEN)" in problem.message


def test_a_safety_variant_and_a_clinic_profile_are_held_to_the_safety_set(tmp_path):
    folder = tiny(tmp_path, **{"02-help.patient.yaml": "crisis: Call or text 9\u200d88.\n"})
    [problem] = problems(lambda: read_topic(folder))
    assert (problem.code, problem.line) == ("c-023", 1) and problem.file.endswith("02-help.patient.yaml")
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside\ncrisis_resources:\n  - name: Crisis Team\n    phone: \"217\u200e555\"\n",
                      encoding="utf-8")
    [problem] = problems(lambda: read_clinic(clinic))
    assert (problem.code, problem.line) == ("c-023", 4)


# -- tables ---------------------------------------------------------------------------------
SCHEDULE = "|  | Morning | Night |\n| --- | --- | --- |\n| Blue pill | 1 | 0 |\n| White pill | 1 | 1 |\n"


def test_an_empty_corner_is_a_data_cell_and_the_first_column_heads_the_rows():
    result = to_html(SCHEDULE, SourceRef(ROOT / "x.md", 6), image_exists=lambda _: True)
    assert not result.findings
    html = result.html
    assert '<thead>\n<tr>\n<td></td>\n<th scope="col">Morning</th>' in html
    assert '<th scope="row">Blue pill</th>\n<td>1</td>' in html and '<th scope="row">White pill</th>' in html
    assert "<th scope=\"col\"></th>" not in html


def test_a_table_with_every_header_named_keeps_its_column_headers():
    html = to_html("| Pill | Morning |\n| --- | --- |\n| Blue | 1 |\n", SourceRef(ROOT / "x.md", 1),
                   image_exists=lambda _: True).html
    assert '<th scope="col">Pill</th>' in html and "<td>Blue</td>" in html and 'scope="row"' not in html


def test_any_other_empty_header_cell_is_a_finding_naming_its_column():
    result = to_html("| Time | | Night |\n| --- | --- | --- |\n| Bed | 10 | 11 |\n", SourceRef(ROOT / "x.md", 8),
                     image_exists=lambda _: True)
    assert [(f.code, f.line, f.message) for f in result.findings] == [
        ("c-025", 8, "header cell 2 of the table is empty")]


def test_the_schedule_table_in_every_format_has_no_empty_header(tmp_path):
    """Case empty-th-corner, built: web page, EPUB and tagged PDF."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    (tmp_path / "source").mkdir()
    for name in ("editions.yaml", "clinic.yaml"):
        shutil.copy(ROOT / "source" / name, tmp_path / "source" / name)
    front = "---\nid: schedule\ntitle: Your Pill Schedule\naudience: [patient, clinician]\n---\n"
    tiny(tmp_path / "source", **{"05-schedule.md": front + SCHEDULE})
    result = build_editions(Project(tmp_path), BuildOptions(topics=["tiny"], editions=["web", "booklet", "booklet-print"],
                            out_dir=tmp_path / "out", today=dt.date(2026, 3, 1)))
    assert not [f for f in result.findings if f.is_error]
    out = tmp_path / "out" / "tiny"
    web = (out / "tiny-web.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "tiny-booklet.epub") as epub:
        chapter = next(epub.read(n).decode() for n in epub.namelist() if "schedule" in n)
    for page in (web, chapter):
        assert re.search(r'<th[^>]*scope="row"[^>]*>Blue pill</th>', page)
        assert re.findall(r"<th\b[^>]*>([^<]*)</th>", page) == ["Morning", "Night", "Blue pill", "White pill"]
        assert re.search(r"<thead>\s*<tr>\s*<td[^>]*(/>|></td>)", page)  # the corner: an empty data cell
    pdf = out / "tiny-booklet-print.pdf"
    cells = [(tag, text) for tag, text in element_texts(pdf) if tag in ("/TH", "/TD")]
    assert [text for tag, text in cells if tag == "/TH"] == ["Morning", "Night", "Blue pill", "White pill"]
    with pikepdf.open(pdf) as document:  # the value cells point at their row's and column's headers
        scopes = []

        def visit(node):
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    visit(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if node.S == "/TH":
                    scopes.append(str(node.A.Scope) if "/A" in node and "/Scope" in node.A else None)
                if "/K" in node:
                    visit(node.K)
        visit(document.Root.StructTreeRoot.K)
    assert scopes == ["/Column", "/Column", "/Row", "/Row"]
