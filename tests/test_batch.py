"""`publish summary --batch`: many recipes in one pool of warm workers, locally or on a Dask
cluster; the files are the same bytes either way, and the same as one `publish summary`."""
from __future__ import annotations

import itertools
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

import publish
from conftest import ROOT
from publisher.batch import build_batch, plan_batch
from publisher.job import Job, LayoutBundle, run_job
from publisher.build import Project
from publisher.errors import ContentError, OutputError
from publisher.summary import SummaryRequest, build_summary
from test_output_safety import snapshot

#: Recipes in the test batch: enough for both workers to take several, and an EPUB among them (the 7th).
COUNT = 8
SECTIONS = ("depression", "exercise-and-neuroplasticity", "recovery-is-possible", "repetition-matters",
            "timing-and-context", "what-is-neuroplasticity")


def write_recipes(folder: Path, count: int) -> Path:
    """`count` two-page patient handouts, each a different pair of sections (some large print)."""
    folder.mkdir(parents=True)
    pairs = itertools.islice(itertools.cycle(itertools.combinations(SECTIONS, 2)), count)
    for i, pair in enumerate(pairs):
        (folder / f"handout-{i:03}.yaml").write_text(
            f"topic: neuroplasticity\naudience: patient\nsections: [{', '.join(pair)}]\n"
            f"format: {'epub' if i % 7 == 6 else 'pdf'}\noutput: batch/handout-{i:03}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def recipes(tmp_path_factory) -> Path:
    return write_recipes(tmp_path_factory.mktemp("recipes") / "recipes", COUNT)


@pytest.fixture(scope="module")
def local_batch(tmp_path_factory, recipes) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local")
    result = build_batch(Project(ROOT), recipes, out_dir=out, jobs=2)
    assert len(result.outputs) == COUNT
    return snapshot(out)


def test_a_batch_writes_every_recipes_file(local_batch):
    assert sorted(local_batch) == sorted(f"batch/handout-{i:03}.{'epub' if i % 7 == 6 else 'pdf'}" for i in range(COUNT))
    assert any(name.endswith(".epub") for name in local_batch)
    for name, data in local_batch.items():
        if name.endswith(".pdf"):
            with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
                assert 1 <= len(pdf.pages) <= 2


def test_a_batch_file_is_the_same_as_one_summary(local_batch, tmp_path):
    request = SummaryRequest(topic="neuroplasticity", audience="patient", sections=SECTIONS[:2],
                             output=tmp_path / "one.pdf")
    result = build_summary(Project(ROOT), request)
    assert result.output.path.read_bytes() == local_batch["batch/handout-000.pdf"]


def test_jobs_are_pure_their_layouts_travel_with_them(recipes, tmp_path):
    """A job reads nothing from the project: the layouts come as data and land in the worker's
    temporary folder, and the same job gives the same bytes twice."""
    (job, _target, _request), *_ = plan_batch(Project(ROOT), sorted(recipes.iterdir())[:1], tmp_path)
    assert isinstance(job, Job) and job.layouts == LayoutBundle.of(ROOT / "layouts")
    first, second = run_job(job), run_job(job)
    assert first.failure is None and first.data == second.data and first.data.startswith(b"%PDF")
    assert job.layouts_dir() != ROOT / "layouts" and (job.layouts_dir() / "styles" / "print.css").is_file()


def test_a_bad_recipe_stops_the_batch_before_anything_is_written(recipes, tmp_path):
    bad = tmp_path / "recipes"
    bad.mkdir()
    for path in sorted(recipes.iterdir())[:3]:
        (bad / path.name).write_bytes(path.read_bytes())
    (bad / "zz-bad.yaml").write_text("topic: neuroplasticity\naudience: dentist\nsections: [depression]\n")
    with pytest.raises(ContentError):
        build_batch(Project(ROOT), bad, out_dir=tmp_path / "out", jobs=1)
    assert not list((tmp_path / "out").rglob("*.*"))


def test_two_recipes_writing_one_file_are_refused(recipes, tmp_path):
    twice = tmp_path / "recipes"
    twice.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (twice / name).write_bytes((recipes / "handout-000.yaml").read_bytes())
    with pytest.raises(OutputError) as refused:
        build_batch(Project(ROOT), twice, out_dir=tmp_path / "out", jobs=1)
    assert refused.value.findings[0].code == "o-002"


def test_the_cli_runs_a_batch(recipes, tmp_path, local_batch):
    result = CliRunner().invoke(publish.cli, ["summary", "--batch", str(recipes), "-o", str(tmp_path), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {COUNT} file(s)" in result.output
    assert snapshot(tmp_path) == local_batch


@pytest.mark.slow  # starts a Dask cluster of two worker processes
def test_a_batch_on_a_dask_cluster_gives_the_same_bytes(recipes, local_batch, tmp_path):
    """Two worker processes of a Dask LocalCluster on 127.0.0.1, reached through --scheduler."""
    import distributed  # a test dependency (pyproject.toml [test])
    with distributed.LocalCluster(host="127.0.0.1", n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        result = CliRunner().invoke(publish.cli, ["summary", "--batch", str(recipes), "-o", str(tmp_path / "dask"),
                                                  "--scheduler", cluster.scheduler_address])
        assert result.exit_code == 0, result.output
        with distributed.Client(cluster.scheduler_address) as client:  # the jobs ran on the workers
            ran = client.run(lambda: __import__("sys").modules.get("publisher.job") is not None)
    assert len(ran) == 2 and any(ran.values())
    assert snapshot(tmp_path / "dask") == local_batch
