"""Shared fixtures: one real build of both topics per test session, into a temporary folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.build import Project, build_editions

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
    result = build_editions(project, out_dir=out, topic_dirs=[SLEEP_TOPIC])
    return out, result


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
