"""The reading-level figures the command line and the index show, per language (issue 11):
the build's table gives each file's level in the scale of each language it holds (FK grade
for English, INFLESZ for Spanish, both for a bilingual file), from a fresh build and from
the cache alike; `publish list` gives every language of a bilingual file with its own target;
handouts/index.html lists each edition's languages together, the topic's own first."""
from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

import publish
from conftest import ROOT, TINY_TOPIC, make_project
from publisher.project import Project, load_editions

EDITIONS = ("patient-handout", "patient-handout-bilingual-epub", "web")


def run(*args):
    return CliRunner().invoke(publish.cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def project_root(tmp_path_factory):
    """A project with the tiny topic and its Spanish translations, built (three editions)."""
    root = make_project(tmp_path_factory.mktemp("figures") / "project")
    shutil.rmtree(root / "source" / "tiny")
    shutil.copytree(TINY_TOPIC, root / "source" / "tiny")
    shutil.copy(ROOT / "source" / "editions.es.yaml", root / "source" / "editions.es.yaml")
    first = run("build", "--root", str(root), *[a for e in EDITIONS for a in ("--edition", e)])
    assert first.exit_code == 0, first.output
    return root, first.output


def table(output: str) -> dict[str, str]:
    """The build's table: {file name: reading level column}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("file "))
    assert lines[start].split()[-2:] == ["reading", "level"]
    rows = {}
    for line in lines[start + 1:]:
        row = re.match(r"(\S+)\s+(\S+)\s+([\d.]+) (?:KB|MB|bytes)\s+(.*)$", line)
        if not row:  # the table ends
            break
        rows[row[1].rpartition("/")[2]] = row[4].strip()
    return rows


def whole_texts(output: str) -> dict[str, list[str]]:
    """The reading report's 'whole text' rows, per file (one per language measured)."""
    found: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        head = re.match(r"Reading level of (\S+)", line)
        if head:
            current = head[1].rpartition("/")[2]
        elif current and line.strip().startswith("whole text"):
            found.setdefault(current, []).append(line.split()[2])
    return found


def test_the_build_table_gives_each_language_its_own_scale(project_root):
    _, output = project_root
    rows, measured = table(output), whole_texts(output)
    english, spanish = measured["tiny-patient-handout.pdf"][0], measured["tiny-patient-handout.es.pdf"][0]
    assert rows["tiny-patient-handout.pdf"] == f"FK grade {english}"
    assert rows["tiny-patient-handout.es.pdf"] == f"INFLESZ {spanish}"
    both = measured["tiny-patient-handout-bilingual-epub.epub"]
    assert rows["tiny-patient-handout-bilingual-epub.epub"] == f"FK grade {both[0]}; INFLESZ {both[1]}"
    assert rows["tiny-web.html"] == "-" and rows["tiny-web.es.html"] == "-"  # no reading target


def test_the_table_of_a_build_with_nothing_to_do_comes_from_the_cache_with_the_same_figures(project_root):
    root, output = project_root
    again = run("build", "--root", str(root), *[a for e in EDITIONS for a in ("--edition", e)])
    assert again.exit_code == 0 and "up to date" in again.output
    assert table(again.output) == table(output)


def test_list_gives_each_language_of_a_bilingual_file_with_its_own_scale_and_target(project_root, tmp_path):
    root, output = project_root
    measured = whole_texts(output)

    def lines(root=root):
        result = run("list", "--root", str(root), "tiny")
        assert result.exit_code == 0
        return {line.split(" reading level: ")[0].strip(): line.split(" reading level: ")[1]
                for line in result.output.splitlines() if " reading level: " in line}

    for seen in (lines(), lines(_without_cache(root, tmp_path))):  # from the cache, then measured on the files
        en, es = measured["tiny-patient-handout-bilingual-epub.epub"]
        bilingual = seen["patient-handout-bilingual-epub"]
        assert bilingual.startswith(f"en: Flesch-Kincaid grade {en} (target 6 or lower), SMOG ")
        assert f"; es: INFLESZ {es} (" in bilingual and "(target 65 or higher), F-Huerta " in bilingual
        assert seen["patient-handout (es)"].startswith(
            f"INFLESZ {measured['tiny-patient-handout.es.pdf'][0]} (")
        assert seen["patient-handout"].startswith(f"Flesch-Kincaid grade {measured['tiny-patient-handout.pdf'][0]} ")
        assert seen["patient-handout-bilingual"] == "not built"


def _without_cache(root: Path, where: Path) -> Path:
    """A copy of the project in `root` without its build cache (the module's project keeps its own)."""
    copy = where / "project"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


def test_the_index_lists_each_editions_languages_together_the_topics_own_first(project_root):
    root, _ = project_root
    page = lxml_html.fromstring((root / "handouts" / "index.html").read_bytes())
    hrefs = [a.get("href").rpartition("/")[2] for a in page.xpath("//main//a[@href]")]
    assert hrefs == ["tiny-patient-handout.pdf", "tiny-patient-handout.es.pdf",
                     "tiny-patient-handout-bilingual-epub.epub", "tiny-web.html", "tiny-web.es.html"]
    order = list(load_editions(Project(root)))
    assert order.index("patient-handout") < order.index("patient-handout-bilingual-epub") < order.index("web")
