"""Faults while running (issue 14 part 4): workers die with their parent, one build at a time
per output folder, and any path the user gives is handled (never a traceback). Cases:
orphan-workers-after-kill, concurrent-builds-mixed, non-utf8-output-path."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from conftest import ROOT
from publisher.build import check_built
from publisher.errors import OutputError
from publisher.project import Project
from publisher.output import OutputWriter, lock_folder
from test_output_safety import TINY, make_project, snapshot

PUBLISH = [sys.executable, "-c", "import publish; publish.cli()"]


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_case_orphan_workers_after_kill(tmp_path):
    """kill -9 of `publish build --jobs 2` while its workers render: they end within seconds,
    and whoever reads the build's output sees its end instead of waiting for ever."""
    root = make_project(tmp_path / "project")
    build = subprocess.Popen([*PUBLISH, "build", "--root", str(root), "-o", str(tmp_path / "out"), "--jobs", "2",
                              "--force"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    workers: list[int] = []
    while time.monotonic() < deadline and build.poll() is None:
        workers = children(build.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.02)
    assert len(workers) >= 2, "the build ended before its workers could be seen"
    assert kill_and_wait(build, workers) == [], "workers still running 10 s after the build was killed"
    build.stdout.read()  # the output stream ends: no worker holds it open any more
    build.stdout.close()



def kill_and_wait(parent: "subprocess.Popen", workers: list[int]) -> list[int]:
    """kill -9 `parent`, then give its `workers` 10 s to end with it -> those still running
    (killed here, so that a failing test leaves none behind)."""
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    ended = time.monotonic() + 10
    while time.monotonic() < ended and any(alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    return left

@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_batch_workers_die_with_their_parent_too(tmp_path):
    """`publish summary --batch` runs a spawned pool (workers replaced after some files): the
    same holds there, and its helper process (the resource tracker) goes too."""
    root = make_project(tmp_path / "project")
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    for n, section in enumerate(["about", "help", "about", "help"]):
        (recipes / f"r{n}.yaml").write_text(f"topic: tiny\naudience: patient\nsections: [{section}]\n"
                                            f"output: tiny/custom/r{n}.pdf\n")
    batch = subprocess.Popen([*PUBLISH, "summary", "--root", str(root), "--batch", str(recipes), "-o",
                              str(tmp_path / "out"), "-j", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    workers: list[int] = []
    while time.monotonic() < deadline and batch.poll() is None and len(workers) < 3:
        workers = children(batch.pid)
        time.sleep(0.02)
    assert len(workers) >= 2, "the batch ended before its workers could be seen"
    assert kill_and_wait(batch, workers) == [], "processes still running 10 s after the batch was killed"


def test_die_with_parent_ends_a_worker_whose_parent_is_already_gone():
    """The race: the parent died before the worker armed the signal."""
    from publisher.runner import die_with_parent
    probe = subprocess.run([sys.executable, "-c", "import sys; from publisher.runner import die_with_parent; "
                            "die_with_parent(1); print('still here')"], cwd=ROOT, capture_output=True, text=True,
                           timeout=30)
    assert probe.returncode == 1 and "still here" not in probe.stdout
    assert callable(die_with_parent)


# -- one build per output folder ---------------------------------------------------------------

def test_case_concurrent_builds_mixed(tmp_path):
    """A second build into a folder that a build is writing stops at once with o-004 (exit 6)
    and touches nothing; the first one finishes and its files are there."""
    root = make_project(tmp_path / "project")
    out = tmp_path / "out"
    first = subprocess.Popen([*PUBLISH, "build", "--root", str(root), "-o", str(out), "--jobs", "1", "--force",
                              "--edition", "patient-handout", "--edition", "web"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in first.stderr:  # the first build is rendering: it holds the folder
        if line.startswith("3/4 rendering"):
            break
    second = CliRunner().invoke(publish.cli, ["build", "--root", str(root), "-o", str(out), "--force"])
    rest = first.communicate(timeout=120)
    assert second.exit_code == 6, second.output
    assert (f"o-004 [error] {out}: another build is writing into this folder right now; nothing was written. "
            "Hint: Wait until the other build has finished") in second.stderr
    assert "Built" not in second.output
    assert first.returncode == 0, rest
    assert sorted(snapshot(out)) == ["index.html", "tiny/tiny-patient-handout.pdf", "tiny/tiny-web.html"]


def test_the_lock_ends_with_the_build_and_is_shared_within_a_process(tmp_path):
    writer = OutputWriter(tmp_path / "out")
    writer.prepare()
    holder = subprocess.run([sys.executable, "-c", "import sys; from publisher.output import lock_folder; "
                             "lock_folder(sys.argv[1])", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                            text=True, timeout=30)
    assert "another build is writing into this folder" in holder.stderr
    again = lock_folder(tmp_path / "out")  # the same process: a server's or a test's next build
    again.release()
    del writer  # the build is over: another process may write the folder
    lock = subprocess.run([sys.executable, "-c", "import sys; from publisher.output import lock_folder; "
                           "lock_folder(sys.argv[1]); print('ok')", str(tmp_path / "out")], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)
    assert lock.stdout.strip() == "ok", lock.stderr
    assert os.listdir(tmp_path / "out") == []  # the lock creates nothing in the folder
    with pytest.raises(OutputError):
        OutputWriter(tmp_path / "missing" / "out").prepare()


# -- paths that are not UTF-8 -------------------------------------------------------------------

ODD = os.fsdecode(b"non-utf8-\xff")  # how Python holds a name that is not valid UTF-8


def run(*args: str):
    return CliRunner().invoke(publish.cli, list(args))


def test_case_non_utf8_output_path(tmp_path):
    """-o into a folder whose name is not UTF-8: the build works, as with any other name."""
    root = make_project(tmp_path / "project")
    out = tmp_path / ODD
    result = run("build", "--root", str(root), "-o", str(out), "--edition", "web", "--edition", "patient-handout")
    assert result.exit_code == 0, result.output
    assert "Built 2 file(s)." in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert sorted(snapshot(out)) == ["index.html", "tiny/tiny-patient-handout.pdf", "tiny/tiny-web.html"]
    assert os.fsencode(out) in [os.fsencode(tmp_path / n) for n in os.listdir(tmp_path)]
    again = run("build", "--root", str(root), "-o", str(out), "--edition", "web")  # the cache, by that name
    assert again.exit_code == 0 and "0 file(s), 1 up to date" in again.stderr
    # Our checks read the files under that name (the validators, which need Chromium, are in
    # test_case_non_utf8_output_path_validators, a slow test).
    checked = check_built(Project(root), [str(out)], topic_dirs=[root / "source"], external=False)
    assert sorted(os.fsencode(f) for f in checked.files) == sorted(
        os.fsencode(out / name) for name in ("index.html", "tiny/tiny-patient-handout.pdf", "tiny/tiny-web.html"))
    assert checked.findings == [] and checked.validations == []


@pytest.mark.slow
@pytest.mark.validators
def test_case_non_utf8_output_path_validators(tmp_path):
    """`publish check` runs axe on web pages in a folder whose name is not UTF-8."""
    root = make_project(tmp_path / "project")
    out = tmp_path / ODD
    assert run("build", "--root", str(root), "-o", str(out), "--edition", "web").exit_code == 0
    checked = run("check", str(out), "--topic-dir", str(root / "source"))
    assert checked.exit_code == 0 and "h-002" not in checked.output, checked.output
    axe = [line for line in checked.output.splitlines() if ": axe-core " in line]
    assert len(axe) == 2 and all(": 0 violations" in line for line in axe), checked.output
    assert {line.split(": axe-core")[0].rsplit("/", 1)[1] for line in axe} == {"index.html", "tiny-web.html"}


def test_other_paths_that_are_not_utf8(tmp_path):
    """A project, a topic folder, a clinic profile, a recipe and a summary file whose names
    are not UTF-8 work too; the PDF renderer finds its fonts under such a name."""
    root = make_project(tmp_path / f"project-{ODD}")
    topics = tmp_path / f"topics-{ODD}"
    (topics).mkdir()
    import shutil
    shutil.copytree(TINY, topics / "tiny2")
    clinic = tmp_path / f"clinic-{ODD}.yaml"
    clinic.write_text((ROOT / "source" / "clinic.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("build", "--root", str(root), "--topic-dir", str(topics), "--topic", "tiny2", "--clinic", str(clinic),
                 "-o", str(tmp_path / "out"), "--edition", "patient-handout")
    assert result.exit_code == 0, result.output
    recipe = tmp_path / f"recipe-{ODD}.yaml"
    recipe.write_text("topic: tiny\naudience: patient\nsections: [about]\nformat: html\n")
    summary = run("summary", "--root", str(root), "--recipe", str(recipe), "-o", str(tmp_path / f"s-{ODD}.html"))
    assert summary.exit_code == 0, summary.output
    assert (tmp_path / f"s-{ODD}.html").is_file()
