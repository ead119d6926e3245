"""Every content input limit (publisher/limits.py) holds: a coded finding naming the file and line,
found before the costly step, on inputs generated here (none is committed). The
findings fixtures (tests/fixtures/findings/b-*) hold the messages; these tests hold the
kinds: every reader, the bounded cost, the limits being generous and documented. The
picture limits are held by tests/test_pictures.py."""
from __future__ import annotations

import re
import shutil
import contextlib
from pathlib import Path

import pytest

from conftest import ROOT
from publisher import limits
from publisher.model import SourceRef
from publisher.read import read_topic
from publisher.yamlfile import load
from yaml_readers import KINDS, TINY, problems, readers

FRONT = "---\nid: {id}\ntitle: {title}\naudience: [patient]\n---\n"


def topic_with(tmp_path, files: dict[str, str | bytes]) -> Path:
    """The tiny topic with `files` (path inside the topic -> text or bytes) added."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def codes(folder: Path) -> list[tuple[str, str, int | None]]:
    """(code, file name, line) of each finding reading the topic gives."""
    return [(f.code, Path(f.file).name, f.line) for f in problems(lambda: read_topic(folder))]


def line_holding(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# -- YAML nesting: every reader, flow and block style, never a RecursionError ---------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_yaml_is_a_coded_finding_in_every_reader(tmp_path, kind, style):
    if style == "flow":
        nested = "x: " + "[" * 500 + "]" * 500 + "\n"  # about 1 KB, as in the case
    else:
        nested = "x:\n" + "".join("  " * (level + 1) + f"k{level}:\n" for level in range(150)) + \
            "  " * 151 + "end\n"  # 23 KB: 400 levels would pass the file size limit first
    read, path = readers(tmp_path, lambda text: text + nested)[kind]
    [problem] = problems(read)
    assert problem.code == "b-002" and f"more than {limits.MAX_YAML_DEPTH} levels" in problem.message
    assert problem.file.endswith(path.name)
    first = line_holding(path, "x:")
    assert first <= problem.line <= first + limits.MAX_YAML_DEPTH + 1


def test_case_yaml_deep_nesting_recursion_builds_to_a_coded_error(tmp_path):
    """Case yaml-deep-nesting-recursion, as its README runs it: the sleep-hygiene topic with
    `x: [[[...]]]` (500 levels) at line 3 of topic.yaml, and a clinic profile with the same
    line. `publish build` exits 3 with b-002 naming the file and line; no traceback."""
    from click.testing import CliRunner

    import publish
    topic = tmp_path / "sleep-hygiene"
    shutil.copytree(ROOT / "tests" / "fixtures" / "topics" / "sleep-hygiene", topic)
    lines = (topic / "topic.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    nested = "x: " + "[" * 500 + "]" * 500 + "\n"
    (topic / "topic.yaml").write_text("".join(lines[:2]) + nested + "".join(lines[2:]), encoding="utf-8")
    run = CliRunner().invoke(publish.cli, ["build", "--root", str(ROOT), "--topic-dir", str(topic),
                                           "--topic", "sleep-hygiene", "-o", str(tmp_path / "out"), "--force"])
    assert run.exit_code == 3, run.output
    assert re.search(r"^b-002 \[error\] \S*sleep-hygiene/topic.yaml line 3: ", run.stderr, re.M), run.stderr
    assert "Traceback" not in run.output and "RecursionError" not in run.output
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("name: Riverside Family Health\n" + nested, encoding="utf-8")
    run = CliRunner().invoke(publish.cli, ["build", "--root", str(ROOT), "--clinic", str(clinic),
                                           "--topic", "neuroplasticity", "-o", str(tmp_path / "out2")])
    assert run.exit_code == 3, run.output
    assert re.search(r"^b-002 \[error\] \S*clinic.yaml line 2: ", run.stderr, re.M), run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pdf"))


def test_the_nesting_limit_is_generous(tmp_path):
    """Twenty levels read; the twenty-first is refused."""
    ok = "tags: " + "[" * (limits.MAX_YAML_DEPTH - 1) + "]" * (limits.MAX_YAML_DEPTH - 1) + "\n"
    data, found = load(ok, SourceRef(Path("x.yaml"), 1))
    assert not found
    data, found = load("a:\n  " + ok, SourceRef(Path("x.yaml"), 1))
    assert [f.code for f in found] == ["b-002"]


@contextlib.contextmanager
def _parsing_refused(*, yaml_too: bool = True, limit: int = 10_000):
    """Fail the test if the Markdown parser (or, with `yaml_too`, the YAML parser) is given
    more than `limit` characters: the limits must refuse a huge input before parsing it, so
    the work stays bounded whatever the machine's speed (no timed assertion)."""
    from publisher import markup, yamlfile

    def guard(original):
        def parse(self_or_text, *args, **kwargs):
            text = self_or_text if isinstance(self_or_text, str) else (args[0] if args else "")
            assert len(text) <= limit, f"a text of {len(text):,} characters reached the parser"
            return original(self_or_text, *args, **kwargs)
        return parse

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markup._MD, "parse", guard(markup._MD.parse))
        patch.setattr(markup._MD_FIND_HTML, "parse", guard(markup._MD_FIND_HTML.parse))
        if yaml_too:
            original_load = yamlfile.load
            patch.setattr(yamlfile, "load", lambda text, source: guard(lambda t: original_load(t, source))(text))
        yield


# -- file size: checked before the file is parsed ------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path, kind):
    filler = "# " + "x" * 70 + "\n"
    big = filler * (5 * 1024 * 1024 // len(filler))  # 5 MB of YAML comments: slow to parse
    read, path = readers(tmp_path, lambda text: text + big)[kind]
    with _parsing_refused():  # refused from its size: the YAML parser never sees the file
        [problem] = problems(read)
    assert problem.code == "b-001" and problem.file.endswith(path.name)
    head = path.read_bytes()[: limits.MAX_FILE_BYTES]
    assert problem.line == head.count(b"\n") + 1


def test_the_large_content_case_is_refused_before_it_is_parsed(tmp_path):
    """large-content-no-limit: 50,000 list items (640 KB), and a 5 MB section."""
    items = "".join(f"- Item {n}: keep a regular bedtime\n" for n in range(50_000))
    paragraphs = ("Sleep is good for you. " * 40 + "\n\n") * (5 * 1024 * 1024 // 922)
    folder = topic_with(tmp_path, {"sections/07-list.md": FRONT.format(id="list", title="List") + items,
                                   "sections/08-big.md": FRONT.format(id="big", title="Big") + paragraphs})
    with _parsing_refused():  # neither file reaches the YAML or Markdown parser
        found = codes(folder)
    assert [(code, name) for code, name, _ in found] == [("b-001", "07-list.md"), ("b-001", "08-big.md")]


def test_all_section_files_together_are_limited_before_any_is_read(tmp_path):
    text = FRONT.format(id="{id}", title="T") + ("word " * 40 + "\n") * 300  # 60 KB each
    files = {f"sections/{n:02d}-s{n}.md": text.replace("{id}", f"s{n}") for n in range(10, 30)}
    folder = topic_with(tmp_path, files)
    total, passing = sum(p.stat().st_size for p in (TINY / "sections").iterdir()), None
    for name in sorted(files):
        total += (folder / name).stat().st_size
        if total > limits.MAX_TOPIC_BYTES:
            passing = Path(name).name
            break
    [(code, name, line)] = codes(folder)
    assert passing and (code, name) == ("b-001", passing)  # the file that passes 1 MB, in name order


def test_the_number_of_section_files_is_limited(tmp_path):
    files = {f"sections/{n:04d}-s{n}.md": FRONT.format(id=f"s{n}", title=f"S {n}") + "Text.\n"
             for n in range(limits.MAX_SECTION_FILES)}
    [(code, name, _)] = codes(topic_with(tmp_path, files))  # the tiny topic's 4 files make it 504
    assert code == "b-004" and "more than 500 section files" in problems(
        lambda: read_topic(tmp_path / "tiny"))[0].message


def test_subsections_nest_at_most_as_deep_as_headings_allow(tmp_path):
    files, folder = {}, "sections"
    for level in range(1, limits.MAX_SECTION_DEPTH + 1):
        files[f"{folder}/05-l{level}.md"] = FRONT.format(id=f"l{level}", title=f"L{level}") + "Text.\n"
        folder += f"/05-l{level}"
    topic = read_topic(topic_with(tmp_path / "ok", files))  # five levels read
    assert [s.id for s in topic.all_sections()][-limits.MAX_SECTION_DEPTH:] == ["l1", "l2", "l3", "l4", "l5"]
    files[f"{folder}/05-l6.md"] = FRONT.format(id="l6", title="L6") + "Text.\n"
    [(code, name, _)] = codes(topic_with(tmp_path / "deep", files))
    assert (code, name) == ("b-004", "05-l5")


# -- what a text holds ------------------------------------------------------------------------
def test_list_items_are_limited_in_markdown_and_in_yaml(tmp_path):
    items = "".join(f"- tip {n}\n" for n in range(limits.MAX_LIST_ITEMS + 1))
    signs = "".join(f"  - sign {n}\n" for n in range(limits.MAX_LIST_ITEMS + 1))
    help_file = (TINY / "sections" / "02-help.yaml").read_text(encoding="utf-8").replace(
        "signs:\n  - You feel sad most days\n", "signs:\n" + signs)
    folder = topic_with(tmp_path, {"sections/05-tips.md": FRONT.format(id="tips", title="Tips") + items,
                                   "sections/02-help.yaml": help_file})
    found = codes(folder)
    assert ("b-003", "02-help.yaml", 7 + limits.MAX_LIST_ITEMS) in found  # the 1,001st sign
    assert ("b-003", "05-tips.md", 6 + limits.MAX_LIST_ITEMS) in found  # the 1,001st item
    assert len(found) == 2  # and no 'required section missing' for the unreadable crisis file


def test_links_are_counted_before_the_text_is_parsed(tmp_path):
    """64 KB of '[' would take the Markdown parser about 4 s; counted first, it takes none."""
    brackets = "[" * (limits.MAX_FILE_BYTES - 200)
    links = "".join(f"[part {n}](#about) " for n in range(limits.MAX_LINKS + 1))
    folder = topic_with(tmp_path, {"sections/05-brackets.md": FRONT.format(id="brackets", title="B") + brackets,
                                   "sections/06-links.md": FRONT.format(id="links", title="L") + links})
    with _parsing_refused(yaml_too=False):  # counted in the text: the Markdown parser never runs on it
        found = codes(folder)
    assert found == [("b-007", "05-brackets.md", 6), ("b-007", "06-links.md", 6)]


def test_of_each_kind_of_problem_ten_are_listed_and_the_rest_counted(tmp_path):
    links = "".join(f"[part {n}](file:///etc/passwd{n})\n" for n in range(25))
    found = problems(lambda: read_topic(topic_with(tmp_path, {"sections/05-links.md": FRONT.format(
        id="links", title="L") + links})))
    assert [f.code for f in found] == ["c-015"] * 11
    assert [f.line for f in found[:10]] == list(range(6, 16))
    assert found[10].line == 16 and found[10].message.startswith("15 more problem(s) of this kind")


def test_exactly_the_limit_of_list_items_is_read(tmp_path):
    items = "".join(f"- tip {n}\n" for n in range(limits.MAX_LIST_ITEMS))
    topic = read_topic(topic_with(tmp_path, {"sections/05-tips.md": FRONT.format(id="tips", title="T") + items}))
    assert topic.sections[-1].body.html.count("<li>") == limits.MAX_LIST_ITEMS


def test_markdown_nesting_is_limited_so_no_text_is_dropped_silently(tmp_path):
    nested = "".join("  " * level + "- item\n" for level in range(limits.MAX_MARKDOWN_DEPTH + 1))
    quotes = ">" * 30 + " deep\n"
    folder = topic_with(tmp_path, {"sections/05-list.md": FRONT.format(id="lists", title="L") + nested,
                                   "sections/06-quote.md": FRONT.format(id="quote", title="Q") + quotes})
    assert [(c, n) for c, n, _ in codes(folder)] == [("b-002", "05-list.md"), ("b-002", "06-quote.md")]


def test_table_rows_and_columns_are_limited(tmp_path):
    header = "| A | B |\n| --- | --- |\n"
    rows = "| 1 | 2 |\n" * limits.MAX_TABLE_ROWS  # with the header row: one past the limit
    wide = "| " + " | ".join("c" * 1 for _ in range(limits.MAX_TABLE_COLUMNS)) + " |\n" + \
        "|" + "---|" * limits.MAX_TABLE_COLUMNS + "\n"
    folder = topic_with(tmp_path, {"sections/05-long.md": FRONT.format(id="long", title="L") + "Text.\n\n" + header + rows,
                                   "sections/06-wide.md": FRONT.format(id="wide", title="W") + wide})
    assert codes(folder) == [("b-005", "05-long.md", 8)]  # 20 columns are fine; the table starts on line 8


def test_words_are_limited_per_section_and_per_topic(tmp_path):
    words = "Sleep well. " * (limits.MAX_SECTION_WORDS // 2 - 100)  # 9,800 words, 59 KB
    files = {f"sections/{n}-w{n}.md": FRONT.format(id=f"w{n}", title=f"W{n}") + words for n in range(10, 21)}
    found = codes(topic_with(tmp_path, files))
    assert found == [("b-006", "20-w20.md", 1)]  # with the tiny topic's words, 11 x 9,800 pass 100,000 in the 11th


# -- generous, and documented -----------------------------------------------------------------
def test_the_bundled_topics_are_far_inside_every_limit():
    for folder in (ROOT / "source" / "neuroplasticity", ROOT / "tests" / "fixtures" / "topics" / "sleep-hygiene"):
        files = [p for p in (folder / "sections").rglob("*") if p.suffix in (".md", ".yaml")]
        assert len(files) * 5 < limits.MAX_SECTION_FILES
        assert max(p.stat().st_size for p in files) * 15 < limits.MAX_FILE_BYTES
        assert sum(p.stat().st_size for p in files) * 10 < limits.MAX_TOPIC_BYTES
        topic = read_topic(folder)
        words = [s.body.words for s in topic.all_sections()]
        assert max(words) * 15 < limits.MAX_SECTION_WORDS and sum(words) * 10 < limits.MAX_TOPIC_WORDS
        links = max(len(re.findall(r"\[", p.read_text(encoding="utf-8"))) for p in files)
        assert links * 20 < limits.MAX_LINKS


def test_every_limit_is_documented_with_its_value_and_code():
    doc = (ROOT / "docs" / "CONTENT.md").read_text(encoding="utf-8")
    table = doc[doc.index("## Limits"):]
    for name, limit in limits.LIMITS.items():
        shown = limits.human_bytes(limit.value) if name.endswith("BYTES") else f"{limit.value:,}"
        row = next((line for line in table.splitlines() if line.startswith("|") and f"`{name}`" in line), None)
        assert row, f"{name} is not in the Limits table of docs/CONTENT.md"
        assert shown in row and limit.code in row, (name, shown, limit.code, row)


def test_libyaml_and_pyyaml_read_every_content_file_alike():
    """Content is parsed by libyaml (C) under the Python composer; a file it refuses is read
    again by PyYAML for its messages. Both give the same data, with the same lines, for every
    YAML file and front matter of the repository's topics, profiles and recipes."""
    from publisher import yamlfile
    # The pinned PyYAML wheel (pyproject.toml) carries libyaml: without it every read is slow.
    assert yamlfile._FastLoader is not yamlfile._Loader, "PyYAML is installed without libyaml"
    files = [p for folder in ("source", "tests/fixtures/topics", "tests/fixtures/clinics", "recipes")
             for p in sorted((ROOT / folder).rglob("*")) if p.suffix in (".yaml", ".yml", ".md")]
    texts = [p.read_text(encoding="utf-8") for p in files]
    texts = [t.split("---\n")[1] if t.startswith("---\n") else t for t in texts if not t.startswith("#!")]
    texts = [t for t in texts if t.strip()]
    assert len(texts) > 100

    def read(loader_class, text):
        loader = loader_class(text)
        try:
            data = loader.get_single_data()
        except Exception as exc:  # noqa: BLE001 - the Markdown bodies are not YAML: both must refuse
            return type(exc).__name__
        finally:
            loader.dispose()
        return data, _lines(data), loader.problems

    refused = 0
    for text in texts:
        fast, python = read(yamlfile._FastLoader, text), read(yamlfile._Loader, text)
        if isinstance(python, str):  # not YAML for PyYAML: libyaml refuses it too (load() then asks PyYAML)
            assert isinstance(fast, str), text[:80]
            refused += 1
        else:
            assert fast == python, text[:80]
    assert refused < len(texts) // 2  # most of what was read is YAML, compared value by value


def _lines(data):
    """Every LineDict's line and key lines, through the whole value."""
    if isinstance(data, dict):
        return [getattr(data, "line", None), getattr(data, "lines", None), [_lines(v) for v in data.values()]]
    if isinstance(data, list):
        return [_lines(v) for v in data]
    return None
