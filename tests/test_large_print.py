"""Large print (APH guidance): the patient-handout-large-print edition and `--large-print`,
measured in the rendered PDFs, and the build's own large-print check."""
from __future__ import annotations

import pikepdf
import pytest
import yaml
from click.testing import CliRunner

import publish
from publisher.build import BuildOptions, build_editions, load_editions
from publisher.errors import ContentError
from publisher.verify.largeprint import check

from conftest import output
from large_print import measure


@pytest.mark.parametrize("topic", ["neuroplasticity", "sleep-hygiene"])
def test_large_print_edition_meets_aph(built, topic):
    facts = measure(output(built, topic, "patient-handout-large-print"))
    assert facts.min_size >= 18  # no text under 18 pt, the running footer included
    assert facts.body_size == 18 and min(facts.heading_sizes) > 18  # headings larger
    assert len(facts.line_ratios) > 10 and min(facts.line_ratios) >= 1.5 - 0.01
    assert facts.italic_chars == 0
    assert facts.columns == 1
    assert facts.min_margin >= 72 - 0.5


@pytest.mark.parametrize("topic", ["neuroplasticity", "sleep-hygiene"])
def test_the_measure_tells_normal_print_apart(built, topic):
    """The same measure on the normal handout finds small text and tight lines: it can fail."""
    path = output(built, topic, "patient-handout")
    facts = measure(path)
    assert facts.min_size < 18 and min(facts.line_ratios) < 1.5
    codes = {f.code for f in check(path.read_bytes(), name=path.name)}
    assert {"l-001", "l-002"} <= codes
    large = output(built, topic, "patient-handout-large-print")
    assert check(large.read_bytes(), name=large.name) == []


def test_large_print_edition_stays_within_its_page_budget(built, project):
    budget = load_editions(project)["patient-handout-large-print"].max_pages
    assert budget is not None
    with pikepdf.open(output(built, "neuroplasticity", "patient-handout-large-print")) as pdf:
        assert len(pdf.pages) <= budget


def test_summary_reads_the_page_budget_from_the_edition(project_copy, tmp_path_factory):
    """A large-print summary is held to the large-print edition's max_pages, whatever it is."""
    editions_file = project_copy.editions_file
    data = yaml.safe_load(editions_file.read_text())
    data["patient-handout-large-print"]["max_pages"] = 1
    editions_file.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path_factory.mktemp("out")
    args = ["summary", "neuroplasticity", "--audience", "patient", "--section", "depression",
            "--root", str(project_copy.root), "-o", str(out / "x.pdf")]
    result = CliRunner().invoke(publish.cli, args + ["--large-print"])
    assert result.exit_code == 7
    assert "p-012" in result.output and "the edition's limit is 1" in result.output
    assert list(out.iterdir()) == []
    result = CliRunner().invoke(publish.cli, args)  # the normal handout has its own budget
    assert result.exit_code == 0, result.output


def test_large_print_must_be_true_or_false(project_copy):
    editions_file = project_copy.editions_file
    editions_file.write_text(editions_file.read_text().replace("large_print: true", 'large_print: "big"'))
    with pytest.raises(ContentError) as info:
        build_editions(project_copy, BuildOptions(out_dir=project_copy.root / "out"))
    [problem] = info.value.findings
    assert problem.code == "d-001" and "'large_print' must be true or false" in problem.message
    assert problem.file == str(editions_file) and problem.line is not None
    assert not (project_copy.root / "out").exists()
