"""Author ids never collide with the product's own (issue 14, case id-collision): the ids the
layouts and writers use are reserved and refused with a clear message, the list of reserved
ids is complete, and a web page never holds an id twice."""
from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT
from publisher.model import RESERVED_ID_PATTERN, RESERVED_IDS
from publisher.read import read_topic
from publisher.verify import html as html_check
from yaml_readers import TINY, problems

# id="x", id='x', and macro parameters that default to an id: id="x" in a {% macro %} line
LITERAL_ID = re.compile(r"""\bid\s*=\s*["']([A-Za-z][\w-]*)["']""")
MADE_ID = re.compile(r"""\bid["']?\s*[,=:]\s*f["']([a-z-]+)\{""")  # id=f"page-{n}", set("id", f"page-{n}")


def product_ids() -> set[str]:
    """Every id written literally in the layouts and the Python that writes pages."""
    found = set()
    for path in [*(ROOT / "layouts").rglob("*.j2"), *(ROOT / "publisher").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(LITERAL_ID.findall(text))
        found |= {prefix + "1" for prefix in MADE_ID.findall(text)}
    return found


def test_every_id_the_product_writes_is_reserved():
    ids = product_ids()
    assert {"title", "references", "main", "page-list", "page-1"} <= ids  # the scan itself works
    missing = sorted(i for i in ids if i not in RESERVED_IDS and not re.fullmatch(RESERVED_ID_PATTERN, i))
    # ids no section can take anyway (not a valid section id) need no reservation
    missing = [i for i in missing if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", i)]
    assert not missing, f"ids the layouts use but model.RESERVED_IDS does not list: {missing}"


@pytest.mark.parametrize("section_id", ["title", "references", "main", "toc", "colophon", "page-4"])
def test_a_reserved_section_id_is_refused_naming_the_file_and_line(tmp_path, section_id):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    about = folder / "sections" / "03-about.md"
    about.write_text(about.read_text(encoding="utf-8").replace("id: about", f"id: {section_id}"), encoding="utf-8")
    [problem] = problems(lambda: read_topic(folder))
    assert (problem.code, problem.line) == ("c-024", 2) and problem.file.endswith("03-about.md")
    assert f"id '{section_id}' is reserved" in problem.message and "title, toc" in problem.hint


def test_the_id_collision_case_is_refused_with_both_sections_named(tmp_path):
    """Case id-collision: sections 'references' and 'title' in one topic: both named, nothing
    else blamed (no 'required section missing', no renderer warning)."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    front = "---\nid: {}\ntitle: {}\naudience: [patient, clinician]\n---\nSome text.\n"
    (folder / "sections" / "05-references.md").write_text(front.format("references", "Where This Advice Comes From"))
    (folder / "sections" / "06-title.md").write_text(front.format("title", "A Word About the Title"))
    found = problems(lambda: read_topic(folder))
    assert sorted((f.code, f.file.rsplit("/", 1)[-1], f.line) for f in found) == [
        ("c-024", "05-references.md", 2), ("c-024", "06-title.md", 2)]


def test_the_html_check_refuses_an_id_used_twice():
    page = b'<html lang="en"><head><title>T</title></head><body><main><h1 id="title">T</h1>' \
           b'<h2 id="title">Again</h2></main></body></html>'
    assert [f.message for f in html_check.check(page, name="x.html")] == ["x.html: id 'title' is used twice"]
