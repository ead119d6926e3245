"""Every kind of YAML file the tool reads, each as a small valid file changed by a test:
for tests that hold a rule for all of them at once (test_fields, test_limits)."""
from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from publisher.clinic import read_clinic
from publisher.editions import read_editions
from publisher.errors import ContentError
from publisher.read import read_topic
from publisher.summary import read_recipe

TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
RECIPE = "topic: tiny\naudience: patient\nsections: [about]\n"
CLINIC = "name: Riverside Family Health\nphone: \"+1 217 555 0142\"\n"
EDITIONS = "web:\n  title: Web page\n  format: html\n  audience: all\n  layout: web\n"


def _topic(tmp_path, file: str, text: str):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    (folder / file).write_text(text, encoding="utf-8")
    return lambda: read_topic(folder), folder / file


def _single(tmp_path, name: str, text: str, reader):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lambda: reader(path), path


def readers(tmp_path, mutate):
    """(name, read function, file) for each kind of YAML the tool reads, with `mutate`
    applied to a valid file of that kind."""
    topic_yaml = (TINY / "topic.yaml").read_text(encoding="utf-8")
    front = (TINY / "sections" / "03-about.md").read_text(encoding="utf-8")
    structured = (TINY / "sections" / "02-help.yaml").read_text(encoding="utf-8")
    made = {
        "topic.yaml": _topic(tmp_path / "a", "topic.yaml", mutate(topic_yaml)),
        "front matter": _topic(tmp_path / "b", "sections/03-about.md",
                               front.replace("audience: [patient, clinician]\n",
                                             mutate("audience: [patient, clinician]\n"))),
        "structured section": _topic(tmp_path / "c", "sections/02-help.yaml", mutate(structured)),
        # an edition's fields are indented under its id
        "editions.yaml": _single(tmp_path, "editions.yaml",
                                 EDITIONS + "".join("  " + line for line in mutate("").splitlines(keepends=True)),
                                 lambda p: read_editions(p, ROOT / "layouts")),
        "clinic profile": _single(tmp_path, "clinic.yaml", mutate(CLINIC), read_clinic),
        "recipe": _single(tmp_path, "recipe.yaml", mutate(RECIPE), read_recipe),
    }
    return made


def problems(read) -> list:
    """The findings of the ContentError `read()` must raise."""
    with pytest.raises(ContentError) as info:
        read()
    return info.value.findings


KINDS = ["topic.yaml", "front matter", "structured section", "editions.yaml", "clinic profile", "recipe"]
