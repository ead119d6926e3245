"""The command line, through click's CliRunner."""

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


def test_build_prints_the_reading_level_report(tmp_path):
    result = run("build", "--root", str(ROOT), "--edition", "patient-handout", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(str(tmp_path / "neuroplasticity" / "neuroplasticity-patient-handout.pdf"))
               and line.split()[-1].replace(".", "").isdigit() for line in lines)  # the grade column
    assert "(target: whole text 6 or lower, each section 8 or lower)" in result.output
    assert any(line.split()[:1] == ["when-to-seek-help"] for line in lines)
    whole = next(line for line in lines if line.strip().startswith("whole text"))
    assert float(whole.split()[2]) <= 6


def test_list_shows_the_measured_grade_of_built_handouts(project_copy):
    before = run("list", "--root", str(project_copy.root))
    assert before.exit_code == 0
    assert "patient-handout reading level: not built" in before.output
    run("build", "--root", str(project_copy.root), "--edition", "patient-handout")
    after = run("list", "--root", str(project_copy.root))
    line = next(l for l in after.output.splitlines() if "patient-handout reading level" in l)
    assert "Flesch-Kincaid grade" in line and "(target 6 or lower)" in line and "SMOG" in line
    assert "neuroplasticity-patient-handout.pdf" in line
    assert "tags: handout, summary" in after.output  # what-is-neuroplasticity is in both short editions


def test_list_and_check_stay_light(project_copy):
    """`publish list` and `publish check` of a PDF (its page checks included) read the built
    file; they never render, so neither weasyprint nor ebooklib is imported."""
    import subprocess
    import sys
    run("build", "--root", str(project_copy.root), "--edition", "patient-handout")
    code = ("import sys, publish\n"
            "from click.testing import CliRunner\n"
            f"r = CliRunner().invoke(publish.cli, ['list', '--root', {str(project_copy.root)!r}])\n"
            "assert r.exit_code == 0 and 'Flesch-Kincaid grade' in r.output, r.output\n"
            f"r = CliRunner().invoke(publish.cli, ['check', '--root', {str(project_copy.root)!r}, "
            f"{str(project_copy.root / 'handouts' / 'neuroplasticity' / 'neuroplasticity-patient-handout.pdf')!r}])\n"
            "assert r.exit_code == 0 and 'Checked 1 file' in r.output, r.output\n"
            "assert 'weasyprint' not in sys.modules and 'ebooklib' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
