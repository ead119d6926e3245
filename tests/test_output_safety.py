"""Nothing lost: a failed, refused or interrupted build leaves every earlier output
byte-for-byte as it was and no half-written file; output problems are clear o-00x errors."""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from conftest import ROOT, TINY_TOPIC, make_project, snapshot  # noqa: F401 (make_project, snapshot: used by other test modules too)
from publisher.errors import OutputError
from publisher.output import OutputWriter, safe_target

TINY = TINY_TOPIC
OUTPUTS = ["tiny/tiny-patient-handout.pdf", "tiny/tiny-patient-handout-large-print.pdf",
           "tiny/tiny-clinician-summary.pdf", "tiny/tiny-booklet.epub", "tiny/tiny-booklet-print.pdf",
           "tiny/tiny-web.html", "index.html"]


def build(root: Path, out: Path, *args: str):
    return CliRunner().invoke(publish.cli, ["build", "--root", str(root), "-o", str(out), *args])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def built_once(tiny_built, tmp_path):
    """A project with the tiny topic, built once into handouts/ (a copy of the session's
    conftest.tiny_built, cache and all): the earlier good outputs."""
    root = tmp_path / "project"
    shutil.copytree(tiny_built[0], root)
    out = root / "handouts"
    before = snapshot(out)
    assert before == tiny_built[2]
    assert sorted(before) == sorted(OUTPUTS)
    # New content from here on: every output of the next build would differ from `before`.
    edit(root / "source" / "tiny" / "sections" / "02-help.yaml", "You feel sad most days",
         "You feel sad or empty most days")
    return root, out, before


def test_a_check_failure_in_the_second_of_four_outputs_replaces_nothing(built_once):
    root, out, before = built_once
    # The clinician summary (2nd of 4) gets a page budget it cannot meet; the patient
    # handout (1st) renders and passes its checks, but must not be moved into place alone.
    edit(root / "source" / "editions.yaml", "  layout: clinician-summary\n  paper: letter\n  max_pages: 2\n",
         "  layout: clinician-summary\n  paper: letter\n  max_pages: 1\n")
    long = "\n\n".join(f"Paragraph {i}: ask about sleep, naps, caffeine, screens and mood." for i in range(80))
    (root / "source" / "tiny" / "sections" / "04-for-clinicians.md").write_text(
        "---\nid: for-clinicians\ntitle: Notes for Clinicians\naudience: [clinician]\n---\n" + long + "\n")
    result = build(root, out)
    assert result.exit_code == 7
    assert "p-012" in result.stderr and "tiny-clinician-summary.pdf" in result.stderr
    assert "no output was written or replaced" in result.stderr
    assert snapshot(out) == before  # byte for byte, and no .part file


def test_a_content_error_replaces_nothing(built_once):
    root, out, before = built_once
    edit(root / "source" / "tiny" / "topic.yaml", "reviewed: 2026-01-01", "reviewed: someday")
    result = build(root, out)
    assert result.exit_code == 3 and "c-009" in result.stderr
    assert snapshot(out) == before


def test_a_template_error_replaces_nothing(built_once):
    root, out, before = built_once
    edit(root / "layouts" / "web" / "document.html.j2", "{{ clinic.name }}", "{{ clinic.name() }}")
    result = build(root, out)
    assert result.exit_code == 5
    assert f"t-001 [error] {root / 'layouts/web/document.html.j2'} line 16:" in result.stderr
    assert snapshot(out) == before


def test_the_next_good_build_replaces_everything(built_once):
    root, out, before = built_once
    assert build(root, out).exit_code == 0
    after = snapshot(out)
    assert sorted(after) == sorted(before)
    assert all(after[name] != before[name] for name in OUTPUTS[:4])  # the guard above is real


def test_an_interrupted_build_leaves_earlier_outputs_and_no_half_written_file(tiny_built, tmp_path):
    """SIGKILL in the middle of a multi-file build: the earlier outputs are untouched, the
    only leftovers are hidden .part files of the dead build, and the next build removes them."""
    root = tmp_path / "project"
    shutil.copytree(tiny_built[0], root)  # built once, cache and all (conftest.tiny_built)
    out = root / "handouts"
    before = snapshot(out)
    assert len(before) == len(OUTPUTS)
    # Every output of the next build differs; six files, so a kill lands in the middle.
    edit(root / "source" / "tiny" / "topic.yaml", 'version: "1.0"', 'version: "1.1"')
    process = subprocess.Popen([sys.executable, str(ROOT / "publish.py"), "build", "--root", str(root),
                                "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # its own process group: the build and its workers
    deadline = time.monotonic() + 120
    try:
        # The first output of the new build appears (staged beside its target): kill now.
        while not any(out.rglob("*.part")):
            assert process.poll() is None, "the build ended before it could be interrupted"
            assert time.monotonic() < deadline, "no output appeared"
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever failed above: leave no worker running
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    after = snapshot(out)
    leftovers = sorted(name for name in after if name not in before)
    assert leftovers and all(Path(n).name.startswith(".") and n.endswith(".part") for n in leftovers)
    assert {name: after[name] for name in before} == before  # every earlier output, byte for byte
    # The next build cleans up after the dead one.
    assert build(root, out).exit_code == 0
    assert not list(out.rglob("*.part"))


def test_two_outputs_never_write_one_path(tmp_path):
    writer = OutputWriter(tmp_path)
    writer.claim(tmp_path / "a" / "x.pdf")
    with pytest.raises(OutputError) as caught:
        writer.claim(tmp_path / "a" / ".." / "a" / "x.pdf")  # the same file, spelled differently
    assert caught.value.findings[0].code == "o-002"


def test_two_topics_with_one_id_are_an_error_not_an_overwrite(tmp_path):
    root = make_project(tmp_path / "project")
    shutil.copytree(TINY, tmp_path / "elsewhere" / "tiny")
    result = build(root, tmp_path / "out", "--topic-dir", str(tmp_path / "elsewhere"))
    assert result.exit_code == 6
    assert "o-002 [error]" in result.stderr and "two topics are called 'tiny'" in result.stderr
    assert not (tmp_path / "out" / "tiny").exists()


def test_naming_an_edition_twice_builds_it_once(tmp_path):
    root = make_project(tmp_path / "project")
    result = build(root, tmp_path / "out", "--edition", "web", "--edition", "web")
    assert result.exit_code == 0 and "Built 1 file(s)." in result.output


# -- o-001: the output cannot be written ----------------------------------------------------

def test_a_missing_output_folder(tmp_path):
    result = build(make_project(tmp_path / "project"), tmp_path / "no" / "such" / "folder")
    assert result.exit_code == 6
    assert "o-001 [error]" in result.stderr and "the output folder does not exist" in result.stderr
    assert not (tmp_path / "no").exists()


def test_a_read_only_output_folder(built_once):
    root, out, before = built_once
    out.chmod(0o555)
    try:
        result = build(root, out)
    finally:
        out.chmod(0o755)
    assert result.exit_code == 6
    assert f"o-001 [error] {out}: the output folder is read-only" in result.stderr
    assert snapshot(out) == before


def test_a_read_only_topic_folder_inside_the_output(built_once):
    root, out, before = built_once
    (out / "tiny").chmod(0o555)
    try:
        result = build(root, out)
    finally:
        (out / "tiny").chmod(0o755)
    assert result.exit_code == 6 and "o-001" in result.stderr and "the folder is read-only" in result.stderr
    assert snapshot(out) == before


def test_a_read_only_file(built_once):
    root, out, before = built_once
    (out / "tiny" / "tiny-web.html").chmod(0o444)
    result = build(root, out)
    assert result.exit_code == 6
    assert f"o-001 [error] {out / 'tiny' / 'tiny-web.html'}: the file is read-only; it was not replaced" in result.stderr
    assert snapshot(out) == before  # refused before anything was rendered or staged


def test_a_full_disk(built_once, monkeypatch):
    root, out, before = built_once
    real_write = os.write

    def write(fd, data):
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".part"):  # only our output files
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    result = build(root, out)
    assert result.exit_code == 6
    assert "o-001 [error]" in result.stderr and "cannot write the file: the disk is full" in result.stderr
    assert snapshot(out) == before


def test_a_read_only_file_system(built_once, monkeypatch):
    root, out, before = built_once

    def mkstemp(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("tempfile.mkstemp", mkstemp)
    result = build(root, out)
    assert result.exit_code == 6 and "the file system is read-only" in result.stderr
    assert snapshot(out) == before


def test_a_failed_move_into_place_leaves_no_part_file(built_once, monkeypatch):
    root, out, before = built_once
    calls = []
    real_replace = os.replace

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    result = build(root, out)
    assert result.exit_code == 6 and "o-001" in result.stderr and "cannot replace the file" in result.stderr
    after = snapshot(out)
    assert sorted(after) == sorted(before)  # no .part file left
    # Each file is whole: the old one, or (the one moved before the failure) the new one.
    changed = [name for name in OUTPUTS if after[name] != before[name]]
    assert len(changed) <= 1 and (not changed or Path(calls[0]).name == Path(changed[0]).name)


def test_stale_part_files_of_dead_builds_are_removed(tmp_path):
    (tmp_path / "tiny").mkdir()
    dead = tmp_path / "tiny" / ".tiny-web.html.999999999.abcd1234.part"
    live = tmp_path / "tiny" / f".tiny-web.html.{os.getpid()}.abcd1234.part"
    mine = tmp_path / "tiny" / ".notes.part"
    for path in (dead, live, mine):
        path.write_text("x")
    OutputWriter(tmp_path).prepare()
    assert not dead.exists() and live.exists() and mine.exists()


# -- o-003: nothing is written outside the output folder ------------------------------------

@pytest.mark.parametrize("name", ["../escape.html", "/etc/escape.html", "tiny/../../escape.html"])
def test_paths_outside_the_output_folder_are_refused(tmp_path, name):
    with pytest.raises(OutputError) as caught:
        safe_target(tmp_path / "out", name)
    assert caught.value.findings[0].code == "o-003"


def test_a_link_in_the_output_folder_leading_outside_is_not_followed(built_once):
    root, out, before = built_once
    outside = out.parent / "outside"
    outside.mkdir()
    victim = outside / "victim.html"
    victim.write_text("someone else's file")
    page = out / "tiny" / "tiny-web.html"
    page.unlink()
    page.symlink_to(victim)
    result = build(root, out)
    assert result.exit_code == 6
    assert "o-003 [error]" in result.stderr and "leads outside the output folder" in result.stderr
    assert victim.read_text() == "someone else's file"
    assert all(snapshot(out)[n] == before[n] for n in OUTPUTS if n != "tiny/tiny-web.html")


def test_a_linked_topic_folder_in_the_output_leading_outside_is_not_followed(tmp_path):
    root = make_project(tmp_path / "project")
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "tiny").symlink_to(outside)
    result = build(root, out)
    assert result.exit_code == 6 and result.stderr.count("o-003 [error]") == len(OUTPUTS) - 1  # every edition
    assert list(outside.iterdir()) == []


def test_a_linked_topic_folder_builds_inside_the_output_folder(tmp_path):
    """A topic folder reached through a link keeps its name and writes only into out/."""
    root = make_project(tmp_path / "project", topics=())
    shutil.copytree(TINY, tmp_path / "real-folder", ignore=shutil.ignore_patterns("*.es.md", "*.es.yaml"))
    (root / "source" / "tiny").symlink_to(tmp_path / "real-folder")
    result = build(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(snapshot(tmp_path / "out")) == sorted(OUTPUTS)
    assert sorted(p.name for p in (tmp_path / "real-folder").iterdir()) == ["images", "sections", "topic.yaml"]


def test_an_edition_id_cannot_become_a_path(tmp_path):
    root = make_project(tmp_path / "project")
    edit(root / "source" / "editions.yaml", "web:\n", "../../escaped:\n")
    result = build(root, tmp_path / "out")
    assert result.exit_code == 3
    assert "d-001 [error]" in result.stderr and "edition id '../../escaped' is not a valid id" in result.stderr
    assert not list(tmp_path.rglob("*escaped*"))


@pytest.mark.parametrize("where", ["", ".", "source", "source/tiny", "layouts"])
def test_outputs_never_go_into_the_project_s_own_folders(tiny_project, monkeypatch, where):
    """`publish build -o ''` (the working folder, here the project) or `-o source` would mix
    outputs with the content: refused with o-005, nothing written; one custom file may still be
    written beside the project's folders (`-o mood.pdf`), never into source/ or layouts/."""
    from click.testing import CliRunner
    import publish
    monkeypatch.chdir(tiny_project)
    before = sorted(p.relative_to(tiny_project) for p in tiny_project.rglob("*"))
    result = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", where])
    assert result.exit_code == 6 and "o-005 [error]" in result.output, result.output
    assert sorted(p.relative_to(tiny_project) for p in tiny_project.rglob("*")) == before
    if where not in ("", "."):
        result = CliRunner().invoke(publish.cli, ["summary", "tiny", "--root", ".", "--audience", "patient",
                                                  "--section", "about", "-o", f"{where}/x.pdf"])
        assert result.exit_code == 6 and "o-005 [error]" in result.output
    result = CliRunner().invoke(publish.cli, ["summary", "tiny", "--root", ".", "--audience", "patient",
                                              "--section", "about", "-o", "mood.pdf"])
    assert result.exit_code == 0 and (tiny_project / "mood.pdf").is_file()
