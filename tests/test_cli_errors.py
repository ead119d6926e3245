"""Errors that blame the right thing, from the command line (issue 14 part 3): each problem
names what the user gave and the real cause, with a hint the user can follow."""
from __future__ import annotations

import builtins
import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from publisher.findings import os_error_hint
from test_output_safety import TINY, make_project, snapshot

TOPIC_HINT = "Each topic folder needs topic.yaml"


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "project")


def run(*args):
    return CliRunner().invoke(publish.cli, [str(a) for a in args])


# -- paths -------------------------------------------------------------------------------------

def test_a_wrong_clinic_path_is_named_with_a_clinic_hint(project, tmp_path):
    given = tmp_path / "clinc.yaml"
    result = run("build", "--root", project, "-o", tmp_path / "out", "--clinic", given)
    assert result.exit_code == 3
    assert (f"c-016 [error] {given}: clinic profile not found. Hint: Check the path given with --clinic "
            "(or a recipe's clinic:): a clinic profile is a YAML file such as source/clinic.yaml.") in result.stderr
    assert TOPIC_HINT not in result.stderr
    assert not (tmp_path / "out").exists()


def refusing(real, target: Path):
    """`real` (open, os.stat), refusing `target` as a file the user may not read does."""
    def call(path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)
    return call


def test_a_file_we_may_not_read_gets_a_permission_hint(project, tmp_path, monkeypatch):
    """Whatever the user (root reads everything), a permission error is said as one."""
    target = project / "source" / "tiny" / "sections" / "03-about.md"
    monkeypatch.setattr(builtins, "open", refusing(builtins.open, target))
    monkeypatch.chdir(project)
    result = run("build", "--root", project, "-o", tmp_path / "out")
    assert result.exit_code == 3
    assert ("c-016 [error] source/tiny/sections/03-about.md: cannot read the file: Permission denied. "
            "Hint: You may not read it: make it readable for your user") in result.stderr
    assert TOPIC_HINT not in result.stderr


def test_os_error_hints_name_the_cause():
    assert "chmod" in os_error_hint(PermissionError(errno.EACCES, "x"))
    assert "not there" in os_error_hint(FileNotFoundError(errno.ENOENT, "x"))
    assert "a folder" in os_error_hint(IsADirectoryError(errno.EISDIR, "x"))
    assert os_error_hint(OSError(errno.EIO, "x")) is None  # the code's own hint then


# -- paper -------------------------------------------------------------------------------------

def test_paper_in_any_case_and_file_names_that_say_it(project, tmp_path):
    """--paper A4 is a4; its files are named -a4, so a later plain (Letter) build replaces
    none of them; `publish check` reads the names back."""
    out = tmp_path / "out"
    a4 = run("build", "--root", project, "-o", out, "--paper", "A4", "--edition", "patient-handout", "--edition", "web")
    assert a4.exit_code == 0, a4.output
    assert sorted(snapshot(out)) == ["index.html", "tiny/tiny-patient-handout-a4.pdf", "tiny/tiny-web.html"]
    before = (out / "tiny" / "tiny-patient-handout-a4.pdf").read_bytes()
    letter = run("build", "--root", project, "-o", out, "--edition", "patient-handout")
    assert letter.exit_code == 0, letter.output
    assert (out / "tiny" / "tiny-patient-handout-a4.pdf").read_bytes() == before
    assert (out / "tiny" / "tiny-patient-handout.pdf").is_file()
    checked = run("check", "--root", project, "-o", out, out / "tiny" / "tiny-patient-handout-a4.pdf")
    assert checked.exit_code == 0 and "v-002" not in checked.output, checked.output
    assert run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "about",
               "--paper", "Letter", "-o", tmp_path / "s.pdf").exit_code == 0


def test_a_recipe_paper_in_any_case(tmp_path):
    from publisher.summary import read_recipe
    path = tmp_path / "r.yaml"
    path.write_text("topic: tiny\naudience: patient\nsections: [about]\npaper: A4\n")
    assert read_recipe(path).paper == "a4"


# -- custom summaries ---------------------------------------------------------------------------

def test_an_output_named_for_a_format_we_do_not_write_is_refused(project, tmp_path):
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "about",
                 "-o", tmp_path / "handout.docx")
    assert result.exit_code == 4
    assert f"u-005 [error] {tmp_path / 'handout.docx'}: the output ends in .docx, which is not a format publish " \
           "writes. Hint: Name the file .epub, .html, .pdf" in result.output
    assert not (tmp_path / "handout.docx").exists()


def test_two_unknown_ids_each_get_their_own_line_and_hint(project, tmp_path):
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "abuot",
                 "--section", "sleep-diary", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 4
    lines = [line for line in result.stderr.splitlines() if line.startswith("u-002")]
    assert len(lines) == 2
    assert "'abuot' is not a section id of topic 'tiny'. Hint: Did you mean about?" in lines[0]
    assert "'sleep-diary' is not a section id of topic 'tiny'. Hint: No section id is close; the ids are: " \
           "about, disclaimer, for-clinicians, help." in lines[1]
    assert not (tmp_path / "x.pdf").exists()


def test_a_section_for_another_audience_is_refused_in_a_summary(project, tmp_path):
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "for-clinicians",
                 "-o", tmp_path / "x.pdf")
    assert result.exit_code == 4
    assert ("u-003 [error] " in result.stderr and "04-for-clinicians.md line 2: section 'for-clinicians' of topic "
            "'tiny' is written for clinician, not for patients") in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_list_takes_topic_dir(project):
    other = project.parent / "topics"
    shutil.copytree(TINY, other / "tiny2")
    result = run("list", "tiny2", "--root", project, "--topic-dir", other)
    assert result.exit_code == 0, result.output
    assert "Topic tiny2:" in result.output and "for-clinicians" in result.output


@pytest.mark.slow  # five custom files built and checked
def test_check_knows_the_custom_summaries_the_tool_wrote(project, tmp_path):
    """No v-002 'safety check skipped' for files `publish summary` wrote under their default
    names: their audience and sections are read back from the name, and the safety check runs."""
    out = tmp_path / "out"
    (out / "tiny" / "custom").mkdir(parents=True)
    for args in (["--audience", "patient", "--section", "about"],
                 ["--audience", "clinician", "--section", "for-clinicians", "--format", "html"],
                 ["--audience", "patient", "--exclude", "help", "--large-print"],
                 ["--audience", "patient", "--section", "about", "--paper", "A4"]):
        result = run("summary", "tiny", "--root", project, *args, "-o", out / "tiny" / "custom")
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (out / "tiny" / "custom").iterdir())
    assert names == ["tiny-clinician-for-clinicians.html", "tiny-patient-about-a4.pdf", "tiny-patient-about.pdf",
                     "tiny-patient-without-help-large-print.pdf"]  # a4: not the edition's paper, and said
    checked = run("check", "--root", project, "-o", out, out / "tiny" / "custom")
    assert checked.exit_code == 0 and "v-002" not in checked.output, checked.output
    # The safety check did run: a clinician page under a patient summary's name fails it.
    shutil.copy(out / "tiny" / "custom" / "tiny-clinician-for-clinicians.html",
                out / "tiny" / "custom" / "tiny-patient-about.html")
    checked = run("check", "--root", project, "-o", out, out / "tiny" / "custom" / "tiny-patient-about.html")
    assert checked.exit_code == 7
    assert "s-001 [error]" in checked.output and "the 988 crisis line is not in the output" in checked.output


def test_a_topic_folder_we_may_not_look_into_is_said_to_be_one(project, tmp_path, monkeypatch):
    import os
    target = project / "source" / "tiny" / "topic.yaml"
    monkeypatch.setattr(os, "stat", refusing(os.stat, target))
    monkeypatch.chdir(project)
    result = run("build", "--root", project, "-o", tmp_path / "out")
    assert result.exit_code == 3, result.output
    assert ("c-016 [error] source/tiny: cannot read the topic folder: Permission denied. Hint: You may not read it"
            in result.stderr)
    assert "topic.yaml is missing" not in result.stderr and TOPIC_HINT not in result.stderr


def test_paths_given_on_the_command_line_are_named_with_their_own_hint(project, tmp_path):
    """A mistyped --topic-dir is not skipped without a word; --root and --recipe say which
    option to check."""
    result = run("build", "--root", project, "--topic-dir", tmp_path / "topcis", "-o", tmp_path / "out")
    assert result.exit_code == 3
    assert (f"c-016 [error] {tmp_path / 'topcis'}: the topic folder given with --topic-dir does not exist. "
            "Hint: Check the path") in result.stderr
    result = run("list", "--root", tmp_path)
    assert result.exit_code == 3
    assert f"c-016 [error] {tmp_path}: this is not a project folder: it has no source/editions.yaml. " \
           "Hint: Check the path given with --root" in result.stderr
    result = run("summary", "--root", project, "--recipe", tmp_path / "r.yaml")
    assert result.exit_code == 3
    assert "u-001 [error]" in result.output and "recipe file not found. Hint: Check the path given with --recipe" \
        in result.output
    assert not (tmp_path / "out").exists()


def test_an_output_named_only_by_its_extension_is_refused(project, tmp_path):
    """`-o .pdf` would write a hidden '.pdf.pdf': u-005, nothing written."""
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "about",
                 "-o", tmp_path / "out" / ".pdf")
    assert result.exit_code == 4 and "u-005 [error]" in result.output and "no name before its extension" in result.output
    assert not (tmp_path / "out").exists()


def test_an_output_ending_in_a_slash_is_a_folder(project, tmp_path):
    """`-o letters/` is a folder (made if missing): the file goes in it under its default name,
    never a file called letters.pdf beside it."""
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "about",
                 "-o", f"{tmp_path / 'letters'}/")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "letters.pdf").exists()
    assert [p.suffix for p in (tmp_path / "letters").iterdir()] == [".pdf"]


def test_a_failed_summary_makes_no_output_folder(project, tmp_path):
    """`-o new/` is made only when the file is written: a summary refused (an unknown section,
    an output folder inside the project's source) leaves no folder behind."""
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "nosuch",
                 "-o", f"{tmp_path / 'letters'}/")
    assert result.exit_code == 4 and "u-002 [error]" in result.output
    result = run("summary", "tiny", "--root", project, "--audience", "patient", "--section", "about",
                 "-o", f"{Path(project) / 'source' / 'newdir'}/")
    assert result.exit_code != 0 and "o-005 [error]" in result.output
    assert not (tmp_path / "letters").exists() and not (Path(project) / "source" / "newdir").exists()


def test_a_topic_dir_without_any_topic_is_a_c016(project, tmp_path):
    empty = tmp_path / "no-topics"
    (empty / "notes").mkdir(parents=True)
    result = run("build", "--root", project, "--topic-dir", empty, "-o", tmp_path / "out")
    assert result.exit_code == 3 and "c-016 [error]" in result.output and "holds no topic" in result.output
    assert not (tmp_path / "out").exists()


def test_a_coded_error_ends_with_what_the_command_left_undone(tmp_path):
    """The coded line says what is wrong; the summary line after it says what did not happen,
    in the command's terms (a check writes nothing anyway: it says nothing was checked)."""
    runner = CliRunner()
    done = runner.invoke(publish.cli, ["check", str(tmp_path / "missing.pdf")])
    lines = done.output.strip().splitlines()
    assert done.exit_code != 0 and lines[0].startswith("u-008 [error]")
    assert lines[-1] == "Error: nothing was checked"
