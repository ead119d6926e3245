"""The command line, through click's CliRunner."""
from pathlib import Path

from click.testing import CliRunner

import publish
from conftest import ROOT, SLEEP_TOPIC


def run(*args):
    return CliRunner().invoke(publish.cli, list(args), catch_exceptions=False)


def test_help_on_every_command():
    for args in ([], ["build"], ["list"], ["summary"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_list_shows_topics_editions_and_section_ids():
    result = run("list", "--root", str(ROOT))
    assert result.exit_code == 0
    assert "patient-handout" in result.output and "booklet" in result.output
    assert "exercise-and-neuroplasticity" in result.output and "clinician, patient" in result.output


def test_build_one_edition(tmp_path):
    result = run("build", "--root", str(ROOT), "--edition", "clinician-summary", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "neuroplasticity" / "neuroplasticity-clinician-summary.pdf").exists()
    assert not (tmp_path / "neuroplasticity" / "neuroplasticity-booklet.epub").exists()
    assert "neuroplasticity-clinician-summary.pdf" in result.output and "Built 1 file(s)." in result.output
    assert (tmp_path / "index.html").exists()


def test_second_topic_builds_with_topic_dir(tmp_path):
    result = run("build", "--root", str(ROOT), "--topic-dir", str(SLEEP_TOPIC), "--topic", "sleep-hygiene",
                 "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    built = sorted(p.name for p in (tmp_path / "sleep-hygiene").iterdir())
    assert built == ["sleep-hygiene-booklet-print.pdf", "sleep-hygiene-booklet.epub",
                     "sleep-hygiene-clinician-summary.pdf", "sleep-hygiene-patient-handout-large-print.pdf",
                     "sleep-hygiene-patient-handout.pdf",
                     "sleep-hygiene-web.html"]


def test_unknown_edition_is_a_one_line_error(tmp_path):
    result = run("build", "--root", str(ROOT), "--edition", "poster", "-o", str(tmp_path))
    assert result.exit_code == 4
    assert "unknown edition poster" in result.output
