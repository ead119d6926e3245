"""Incremental builds, --jobs and lazy imports (issue 7).

The cache may skip a render only when nothing that can change the output changed: every
edit below rebuilds exactly the outputs it touches, and after each one the output folder is
byte-identical to a build from scratch (no cache) of the edited project.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
import publisher
from conftest import ROOT, SLEEP_TOPIC
from publisher.build import BuildOptions, Project, build_editions, load_editions, load_topics
from publisher.cache import cache_file
from publisher.select import select_sections
from test_output_safety import edit, snapshot

EDITIONS = ("patient-handout", "patient-handout-large-print", "clinician-summary", "booklet", "booklet-print", "web")
PDFS = {"patient-handout", "patient-handout-large-print", "clinician-summary", "booklet-print"}
HEAVY = ("weasyprint", "ebooklib", "pikepdf", "pdfminer")


@pytest.fixture
def tiny(tiny_built, tmp_path) -> Path:
    """A copy of the session's tiny project, built once with its cache (conftest.tiny_built):
    the cache moves with the copy."""
    root = tmp_path / "project"
    shutil.copytree(tiny_built[0], root)
    return root


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Every output's (inode, mtime): an output written again (os.replace) gets a new one."""
    out = root / "handouts" / "tiny"
    return {e: ((p := out / f"tiny-{e}{Path(n).suffix}").stat().st_ino, p.stat().st_mtime_ns)
            for e, n in zip(EDITIONS, ("x.pdf", "x.pdf", "x.pdf", "x.epub", "x.pdf", "x.html"))}


def rebuilt_by(root: Path, change, **options) -> set[str]:
    before = stamps(root)
    change()
    build_editions(Project(root), BuildOptions(**options))
    after = stamps(root)
    # Never stale: the incremental result is what a build from scratch of the same project gives.
    fresh = root.parent / "from-scratch"
    shutil.rmtree(fresh, ignore_errors=True)
    build_editions(Project(root), BuildOptions(out_dir=fresh, cache=False))
    assert snapshot(root / "handouts") == snapshot(fresh)
    return {e for e in EDITIONS if after[e] != before[e]}


def test_a_no_op_rebuild_renders_nothing(tiny, monkeypatch):
    def no_render(*args, **kwargs):
        raise AssertionError("rendered although nothing changed")
    monkeypatch.setattr("publisher.job.render_edition", no_render)
    before = snapshot(tiny / "handouts")
    result = build_editions(Project(tiny))
    assert snapshot(tiny / "handouts") == before
    assert len(result.outputs) == len(EDITIONS) and all(o.size > 0 for o in result.outputs)
    assert {o.edition: o.pages for o in result.outputs}["patient-handout"] >= 1


def test_force_rebuilds_everything(tiny):
    assert rebuilt_by(tiny, lambda: None, force=True) == set(EDITIONS)
    assert rebuilt_by(tiny, lambda: None) == set()


def test_a_template_rebuilds_the_editions_of_its_layout(tiny):
    template = tiny / "layouts" / "patient-handout" / "document.html.j2"
    change = lambda: template.write_text(template.read_text() + "{# edited #}\n")  # noqa: E731
    assert rebuilt_by(tiny, change) == {"patient-handout", "patient-handout-large-print"}


def test_a_print_stylesheet_rebuilds_the_pdfs_and_the_epub_that_carries_their_pages(tiny):
    css = tiny / "layouts" / "styles" / "print.css"
    change = lambda: css.write_text(css.read_text() + "\n/* edited */\n")  # noqa: E731
    assert rebuilt_by(tiny, change) == PDFS | {"booklet"}


def test_the_screen_stylesheet_rebuilds_only_the_web_page(tiny):
    css = tiny / "layouts" / "styles" / "screen.css"
    change = lambda: css.write_text(css.read_text() + "\n/* edited */\n")  # noqa: E731
    assert rebuilt_by(tiny, change) == {"web"}


def test_a_font_file_rebuilds_what_embeds_the_fonts(tiny):
    font = tiny / "layouts" / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
    change = lambda: font.write_bytes(font.read_bytes() + b"\0\0\0\0")  # noqa: E731  still a valid font
    assert rebuilt_by(tiny, change) == PDFS | {"booklet"}


def test_the_clinic_profile_rebuilds_everything(tiny):
    change = lambda: edit(tiny / "source" / "clinic.yaml", "name:", "name: Edited")  # noqa: E731
    assert rebuilt_by(tiny, change) == set(EDITIONS)


def test_a_new_tool_version_rebuilds_everything(tiny, monkeypatch):
    change = lambda: monkeypatch.setattr(publisher, "__version__", publisher.__version__ + ".post1")  # noqa: E731
    assert rebuilt_by(tiny, change) == set(EDITIONS)


def test_one_section_rebuilds_exactly_the_outputs_that_include_it(tiny):
    project = Project(tiny)
    topic = load_topics(project, ["tiny"])["tiny"]
    including = {e.id for e in load_editions(project).values()
                 if "for-clinicians" in {s.id for s in select_sections(topic, e).all_sections()}}
    assert "patient-handout" not in including and "web" in including  # the guard below is real
    section = tiny / "source" / "tiny" / "sections" / "04-for-clinicians.md"
    change = lambda: edit(section, "every visit", "every single visit")  # noqa: E731
    assert rebuilt_by(tiny, change) == including


def test_a_file_changed_on_disk_is_rebuilt(tiny):
    target = tiny / "handouts" / "tiny" / "tiny-web.html"
    change = lambda: target.write_text("not ours")  # noqa: E731
    assert rebuilt_by(tiny, change) == {"web"}


def test_an_unreadable_cache_rebuilds_everything(tiny):
    change = lambda: cache_file(tiny, tiny / "handouts").write_text("{not json")  # noqa: E731
    assert rebuilt_by(tiny, change) == set(EDITIONS)


@pytest.mark.slow  # the whole bundled topic built again in two processes
def test_jobs_give_the_same_bytes_as_a_serial_build(built, project, tmp_path):
    """The session's serial build (conftest.built: both topics, jobs=1) against the same build
    in two processes."""
    build_editions(project, BuildOptions(out_dir=tmp_path / "parallel", topic_dirs=[SLEEP_TOPIC], jobs=2,
                                       cache=False))
    serial, parallel = snapshot(built[0]), snapshot(tmp_path / "parallel")
    assert len(serial) == len(built[1].outputs) + 1 >= 13  # every output of both topics, and the index
    assert serial == parallel


def test_the_cli_builds_with_jobs_and_force(tiny):
    result = CliRunner().invoke(publish.cli, ["build", "--root", str(tiny), "--jobs", "2", "--force"])
    assert result.exit_code == 0, result.output
    assert "rendering 6 file(s)" in result.output
    result = CliRunner().invoke(publish.cli, ["build", "--root", str(tiny)])
    assert result.exit_code == 0 and "rendering 0 file(s), 6 up to date" in result.output
    assert "Built 6 file(s)." in result.output


def run_python(code: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_and_list_import_no_renderer_or_pdf_library(tiny):
    """`publish --help` and `publish list` (with built files, whose reading level it shows)
    load none of weasyprint, ebooklib, pikepdf, pdfminer."""
    out = run_python(f"""
        import json, sys
        from click.testing import CliRunner
        import publish
        runner = CliRunner()
        help = runner.invoke(publish.cli, ["--help"])
        listed = runner.invoke(publish.cli, ["list", "--root", {str(tiny)!r}])
        print(json.dumps({{"help": help.output, "list": listed.output, "codes": [help.exit_code, listed.exit_code],
                          "loaded": sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})}}))
    """, cwd=tiny)
    seen = json.loads(out)
    assert seen["codes"] == [0, 0] and "Commands:" in seen["help"]
    assert "patient-handout reading level: Flesch-Kincaid grade" in seen["list"]  # measured, from the cache
    assert seen["loaded"] == []


def test_list_measures_a_file_the_cache_does_not_know(tiny):
    cache_file(tiny, tiny / "handouts").unlink()
    result = CliRunner().invoke(publish.cli, ["list", "--root", str(tiny)])
    assert result.exit_code == 0 and "patient-handout reading level: Flesch-Kincaid grade" in result.output


def test_library_versions_are_those_importlib_metadata_reads():
    """The cache key's library versions come from the dist-info folder names (one listing per
    folder of sys.path): the same as importlib.metadata reads from each library's METADATA."""
    from importlib import metadata
    from publisher import cache
    cache.library_versions.cache_clear()
    expected = []
    for name in cache.LIBRARIES:
        try:
            expected.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            expected.append((name, "-"))
    assert cache.library_versions() == tuple(expected)
