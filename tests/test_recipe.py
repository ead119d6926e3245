"""Summary recipes: a saved selection (YAML) reruns the same file; bad recipes fail with the
file, the line and what is expected; a recipe never writes outside the output folder."""
from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

import publish
from publisher.errors import ContentError
from publisher.summary import read_recipe

from conftest import ROOT
from large_print import measure

EXAMPLE = ROOT / "recipes" / "depression-and-exercise-large-print.yaml"


def run(*args):
    return CliRunner().invoke(publish.cli, [str(a) for a in args], catch_exceptions=False)


def recipe(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    return path


def test_example_recipe_builds_into_the_output_folder(project_copy):
    result = run("summary", "--recipe", EXAMPLE, "--root", project_copy.root)
    assert result.exit_code == 0, result.output
    target = project_copy.out_dir / "neuroplasticity" / "custom" / "depression-and-exercise-large-print.pdf"
    assert target.is_file()
    assert "Added the required safety sections for patients" in result.output
    with pikepdf.open(target) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Neuroplasticity and Mental Health: Depression and your brain; Exercise"
    assert measure(target).min_size >= 18  # large_print: true in the recipe
    # Rerun in another format: the recipe's output name, that format's extension.
    result = run("summary", "--recipe", EXAMPLE, "--root", project_copy.root, "--format", "epub")
    assert result.exit_code == 0, result.output
    assert target.with_suffix(".epub").is_file()


def test_recipe_reads_every_field(tmp_path):
    path = recipe(tmp_path, "topic: neuroplasticity\naudience: clinician\nsections: [ltp-ltd]\nexclude: [bdnf]\n"
                            "format: html\ntitle: LTP\nclinic: my-clinic.yaml\nlarge_print: false\npaper: a4\n"
                            "output: custom/ltp.html\n")
    request = read_recipe(path)
    assert (request.topic, request.audience, request.sections, request.exclude) == \
        ("neuroplasticity", "clinician", ("ltp-ltd",), ("bdnf",))
    assert (request.format, request.title, request.large_print, request.paper) == ("html", "LTP", False, "a4")
    assert request.clinic == tmp_path / "my-clinic.yaml"  # relative to the recipe
    assert request.output == Path("custom/ltp.html") and request.output_in_out_dir


@pytest.mark.parametrize("text,code,line,words", [
    ("topic: neuroplasticity\naudience: patient\nsecions: [depression]\n", "c-003", 3, "Did you mean 'sections'"),
    ("topic: neuroplasticity\nsections: [depression]\n", "c-002", 1, "missing required field 'audience'"),
    ("topic: neuroplasticity\naudience: kids\nsections: [depression]\n", "c-005", 2, "Expected one of: patient, clinician"),
    ("topic: neuroplasticity\naudience: patient\nsections: [depression]\nlarge_print: very\n", "c-012", 4,
     "must be true or false"),
    ("topic: neuroplasticity\naudience: patient\nsections: [depression]\nformat: docx\n", "c-012", 4,
     "Expected one of: pdf, epub, html"),
    ("topic: neuroplasticity\naudience: patient\nsections: {a: b}\n", "c-012", 3, "must be a list of section ids"),
    ("topic: neuroplasticity\naudience: patient\n", "u-001", 1, "names no sections"),
    ("topic: neuroplasticity\naudience: patient\nsections: [depression]\noutput: ../../etc/x.pdf\n", "c-015", 4,
     "outside the output folder"),
    ("topic: neuroplasticity\naudience: patient\nsections: [depression]\noutput: /tmp/x.pdf\n", "c-015", 4,
     "outside the output folder"),
    ("topic: [neuroplasticity\n", "c-001", None, "YAML syntax error"),
])
def test_bad_recipe_names_file_line_and_expectation(tmp_path, text, code, line, words):
    path = recipe(tmp_path, text)
    with pytest.raises(ContentError) as info:
        read_recipe(path)
    [found] = info.value.findings
    assert found.code == code and found.file == str(path)
    if line is not None:
        assert found.line == line
    assert words in found.message + " " + found.hint_text


def test_missing_recipe_file(tmp_path):
    result = run("summary", "--recipe", tmp_path / "nope.yaml", "--root", ROOT)
    assert result.exit_code == 3 and "u-001" in result.output and "recipe file not found" in result.output


def test_recipe_output_cannot_escape_through_a_link(project_copy, tmp_path):
    """A link inside the output folder that points outside is refused when resolved."""
    outside = tmp_path / "outside"
    outside.mkdir()
    project_copy.out_dir.mkdir()
    (project_copy.out_dir / "escape").symlink_to(outside)
    path = recipe(project_copy.root, "topic: neuroplasticity\naudience: patient\nsections: [depression]\n"
                                     "output: escape/x.pdf\n")
    result = run("summary", "--recipe", path, "--root", project_copy.root)
    assert result.exit_code == 6 and "outside the output folder" in result.output
    assert list(outside.iterdir()) == []


def test_unknown_section_in_a_recipe_writes_nothing(project_copy):
    path = recipe(project_copy.root, "topic: neuroplasticity\naudience: patient\nsections: [excercise]\n")
    result = run("summary", "--recipe", path, "--root", project_copy.root)
    assert result.exit_code == 4 and "publish list neuroplasticity" in result.output
    assert not project_copy.out_dir.exists()


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_recipe_is_a_coded_line(tmp_path, text):
    """An empty file (or comments only) says so, with the file: never '0 problem(s)'."""
    from publisher.errors import ContentError
    from publisher.summary import read_recipe
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        read_recipe(path)
    [found] = caught.value.findings
    assert found.code == "u-001" and "the file is empty" in found.message and found.line == 1
