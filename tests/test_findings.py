"""Every finding code: one fixture each, the one-line message (code, file, line, what is
wrong, how to fix it), the exit code, and all problems of a build shown together."""
from __future__ import annotations

import ast
import re
import shutil

import pytest
from click.testing import CliRunner

import publish
from findings_fixtures import (FIXTURES, ROOT, expected_lines, exit_code_for, fixture_codes,
                               make_project, run_fixture)
from publisher.findings import CATALOG

# `c-004 [error] source/x/sections/a.md line 12: what is wrong. Hint: how to fix it.`
# A finding names its file (and line) where it has one: a request on the command line (u-009) may not.
LINE = re.compile(r"^(?P<code>[a-z]-\d{3}) \[(?P<severity>error|warning|info)\](?: \((?P<tool>\w+)\))? "
                  r"(?:(?P<file>[^:]+?)(?: line (?P<line>\d+))?: )?(?P<message>.+?)\. Hint: (?P<hint>.+)$")


def raised_codes() -> dict[str, list[str]]:
    """Every finding code written in the code base (outside the catalogue), with where."""
    found: dict[str, list[str]] = {}
    for path in sorted([*(ROOT / "publisher").rglob("*.py"), ROOT / "publish.py"]):
        if path.name == "findings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"[a-z]-\d{3}", node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_source_scan_finds_codes():
    codes = raised_codes()
    # Guards the scan itself: codes raised through finding(), _error() and the YAML loader.
    assert {"c-001", "c-004", "c-020", "o-001", "o-003", "t-001", "p-001"} <= set(codes)


def test_every_raised_code_has_a_catalogue_entry_and_a_fixture():
    codes = raised_codes()
    assert not {c: w for c, w in codes.items() if c not in CATALOG}, "codes without a CATALOG entry"
    missing = sorted(c for c in codes if not (FIXTURES / c / "expected.txt").is_file())
    assert not missing, f"codes without a fixture folder in tests/fixtures/findings/: {missing}"


def test_every_fixture_is_a_catalogue_code_with_its_title_and_hint():
    for code in fixture_codes():
        assert code in CATALOG
        title, hint = CATALOG[code]
        assert title and hint.endswith((".", "!", "?", ")"))


@pytest.mark.parametrize("code", fixture_codes())
def test_fixture_gives_its_code_file_and_line(code, tmp_path, monkeypatch):
    expected = expected_lines(code)
    assert expected, f"{code}/expected.txt is empty"
    run = run_fixture(code, tmp_path, monkeypatch)
    printed = [line for line in run.lines if LINE.match(line)]
    for line in expected:
        want = LINE.match(line)
        assert want and want["code"] == code, f"not a finding line for {code}: {line}"
        assert line in printed, f"{code}: expected\n  {line}\ngot\n  " + "\n  ".join(run.lines)
        if code.startswith(("b-", "c-", "d-", "t-")) and want["file"] != "source/tiny/sections":
            # The file named is the one in the fixture, and the line is one of its lines.
            source = tmp_path / want["file"]
            assert source.exists(), want["file"]
            if want["line"]:
                assert 1 <= int(want["line"]) <= source.read_bytes().count(b"\n") + 1
    if run.exit_code is not None:  # a build: non-zero, the code's group's exit code, a summary
        assert run.exit_code == exit_code_for(code)
        assert run.lines[-1].startswith("Error: ")
        assert not (tmp_path / "out" / "tiny").exists() or code == "o-003"


def test_all_problems_of_a_build_are_shown_together(tmp_path, monkeypatch):
    """Errors in two topics and in editions.yaml come out of one run, not one per run."""
    make_project("c-004", tmp_path)  # topic 'tiny' with a duplicate id
    shutil.copytree(FIXTURES / "c-009" / "in" / "source" / "tiny", tmp_path / "source" / "second")  # a bad date
    editions = tmp_path / "source" / "editions.yaml"
    editions.write_text(editions.read_text().replace("  audience: clinician\n", "  audience: doctors\n"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", "out"])
    assert result.exit_code == 3
    codes = [LINE.match(line)["code"] for line in result.stderr.splitlines() if LINE.match(line)]
    assert sorted(codes) == ["c-004", "c-005", "c-009"]
    assert "source/second/topic.yaml line 5" in result.stderr
    assert "source/editions.yaml line" in result.stderr and "source/tiny/sections/03-about.md line 2" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.*"))


def test_template_and_check_failures_of_all_outputs_are_shown_together(tmp_path, monkeypatch):
    """A broken booklet template and an over-long handout: both reported by one build."""
    make_project("p-012", tmp_path)
    chapter = tmp_path / "layouts" / "booklet" / "chapter.xhtml.j2"
    chapter.write_text(chapter.read_text().replace("{{ render_section(chapter, -1, clinic) }}",
                                                   "{{ render_section(chapter, -1, clinic) }}{{ chapter.nope }}"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", "out"])
    assert result.exit_code == 5  # a template error is the first thing to fix
    assert "p-012 [error] out/tiny/tiny-patient-handout.pdf: 'patient-handout' of topic 'tiny' renders to 3 pages" in result.stderr
    assert re.search(r"t-001 \[error\] layouts/booklet/chapter.xhtml.j2 line 7: .*'nope'", result.stderr)
    assert result.stderr.count("t-001") == 1  # the same template error once, not once per chapter
    assert not list((tmp_path / "out").rglob("*.pdf")) and not list((tmp_path / "out").rglob("*.part"))


def test_a_finding_stays_on_one_line_whatever_the_content_holds(tmp_path, monkeypatch):
    """An id with a line break (a YAML escape) must not split the message in two."""
    make_project("c-017", tmp_path)
    about = tmp_path / "source" / "tiny" / "sections" / "03-about.md"
    about.write_text(about.read_text().replace("id: About_Sleep", 'id: "about\\nsleep\\u2028now"'))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", "out"])
    assert result.exit_code == 3
    lines = [line for line in result.stderr.splitlines() if line.startswith("c-")]
    assert lines == ["c-017 [error] source/tiny/sections/03-about.md line 2: id 'about\\nsleep\\u2028now' "
                     "is not a valid id. Hint: Ids use lowercase letters, digits and hyphens, e.g. sleep-and-mood."]
