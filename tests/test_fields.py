"""One field table and one way of reading YAML for every file the tool reads: section front
matter, structured sections, topic.yaml, editions.yaml, clinic profiles and recipes all give
the same findings for the same mistake."""
from __future__ import annotations

import pytest

from conftest import ROOT
from publisher.fields import Field, read_fields
from publisher.model import SourceRef
from publisher.summary import read_recipe
from publisher.yamlfile import load
from yaml_readers import KINDS, problems, readers


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_field_is_named_with_the_nearest_known_one(tmp_path, kind):
    typo, meant = ("adress", "address") if kind == "clinic profile" else ("titel", "title")
    read, path = readers(tmp_path, lambda text: text + f"{typo}: x\n")[kind]
    [problem] = [f for f in problems(read) if f.code == "c-003"]
    assert problem.message == f"unknown field '{typo}'"
    assert problem.hint.startswith(f"Did you mean '{meant}'? Known fields: ")
    assert problem.file.endswith(path.name)
    assert path.read_text(encoding="utf-8").splitlines()[problem.line - 1].strip().startswith(typo)


@pytest.mark.parametrize("kind", KINDS)
def test_an_invisible_character_is_refused_in_every_file(tmp_path, kind):
    read, path = readers(tmp_path, lambda text: text + "title: a\x07b\n")[kind]
    found = problems(read)
    assert [f.code for f in found] == ["c-021"], found
    assert "U+0007" in found[0].message and found[0].file.endswith(path.name)
    assert "\x07" in path.read_text(encoding="utf-8").splitlines()[found[0].line - 1]


@pytest.mark.parametrize("kind", KINDS)
def test_a_field_given_twice_is_refused_in_every_file(tmp_path, kind):
    read, path = readers(tmp_path, lambda text: text + "title: one\ntitle: two\n")[kind]
    found = [f for f in problems(read) if f.code == "c-020"]
    assert found and "'title' is given twice" in found[0].message


def test_a_recipe_that_is_not_utf8_is_a_coded_finding_with_its_line(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_bytes(b"topic: tiny\naudience: patient\ntitle: caf\xe9\n")
    [problem] = problems(lambda: read_recipe(path))
    assert (problem.code, problem.line) == ("c-011", 3)


def test_read_fields_returns_values_and_defaults():
    data, found = load("a: 1.5\nb: [x, y]\nc: yes\n", SourceRef(ROOT / "x.yaml", 1))
    assert not found
    table = {"a": Field(), "b": Field("names"), "c": Field("flag"), "d": Field(default="none"),
             "e": Field("count", required=True)}
    values, found = read_fields(data, table, ROOT / "x.yaml")
    assert values == {"a": "1.5", "b": ("x", "y"), "c": True, "d": "none", "e": None}
    assert [(f.code, f.message) for f in found] == [("c-002", "missing required field 'e'")]


def test_a_wrong_kind_of_value_says_what_was_expected_and_quotes_a_short_excerpt():
    data, _ = load("n: [1, 2]\nt: " + "x" * 200 + "\n", SourceRef(ROOT / "x.yaml", 1))
    values, found = read_fields(data, {"n": Field("count"), "t": Field("flag", about="t: true")}, ROOT / "x.yaml",
                                type_code="d-001")
    assert values == {"n": None, "t": None}
    assert [(f.code, f.line) for f in found] == [("d-001", 1), ("d-001", 2)]
    assert found[0].message == "'n' must be a whole number above 0, got a list"
    assert found[1].message.startswith("'t' must be true or false, got 'xxx") and len(found[1].message) < 80
    assert found[1].hint == "Expected t: true."


def test_a_list_of_names_with_a_wrong_item_names_that_item():
    data, _ = load("sections: [depression, 42, null]\n", SourceRef(ROOT / "x.yaml", 1))
    _, found = read_fields(data, {"sections": Field("names", about="sections: [id, ...]")}, ROOT / "x.yaml")
    assert found[0].message.endswith("got a list holding 42")
