"""Shared fixtures: one real build of both topics per test session, into a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.build import BuildOptions, Project, build_editions

ROOT = Path(__file__).resolve().parents[1]
SLEEP_TOPIC = ROOT / "tests" / "fixtures" / "topics" / "sleep-hygiene"
SEED = ROOT.parent / "shared" / "seeds" / "000_d2a01ef115f25644.txt"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(tmp_path_factory, project):
    """Every edition of the bundled topic and of the test topic, built once."""
    out = tmp_path_factory.mktemp("handouts")
    result = build_editions(project, BuildOptions(out_dir=out, topic_dirs=[SLEEP_TOPIC]))
    return out, result


@pytest.fixture(scope="session")
def built_full(tmp_path_factory, project):
    """Both topics built with `check="full"` (`publish build --check full`): every EPUB and HTML
    output went through EPUBCheck, Ace and axe before it was moved into place."""
    out = tmp_path_factory.mktemp("handouts-full")
    result = build_editions(project, BuildOptions(out_dir=out, topic_dirs=[SLEEP_TOPIC], check="full"))
    return out, result


@pytest.fixture(scope="session")
def validated(built_full):
    """The validators run once more over every EPUB and HTML file of `built_full`, batched:
    EPUBCheck in one JVM, Ace per book, axe in one browser session. -> (files, runs)."""
    from publisher.verify.external import validate_files
    out, _ = built_full
    files = {p: p.relative_to(out).as_posix() for p in sorted(out.rglob("*")) if p.suffix in (".epub", ".html")}
    return files, validate_files(files)


def output(built, topic: str, edition: str) -> Path:
    out, result = built
    matches = [o.path for o in result.outputs if o.topic == topic and o.edition == edition]
    assert len(matches) == 1, f"no single output for {topic}/{edition}"
    return matches[0]


@pytest.fixture
def project_copy(tmp_path) -> Project:
    """A throwaway copy of the project's source/ and layouts/, safe to edit."""
    for name in ("source", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return Project(tmp_path)
