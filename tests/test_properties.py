"""Property tests: whatever an editor writes, the tool builds valid outputs or stops with
its own coded error (a PublishError carrying findings), never a traceback.

Hypothesis writes small topics to disk (arbitrary titles, Unicode: right-to-left text,
combining marks, emoji; very long words, long tables, empty lists, deep nesting, broken
YAML), then reads, selects, renders and checks them. HTML is rendered for every example;
PDFs and EPUBs, which are slow, for a few.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from conftest import ROOT, make_output
from publisher.build import Project, load_editions
from publisher.clinic import read_clinic
from publisher.errors import ContentError, EditionError, PublishError
from publisher.findings import CATALOG
from publisher.model import Body, Edition, Section, Topic
from publisher.read import read_topic
from publisher.report import format_finding
from publisher.select import select_sections

PROJECT = Project(ROOT)
EDITIONS = load_editions(PROJECT)
CLINIC = read_clinic(PROJECT.default_clinic)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- what editors write --------------------------------------------------------------------

SPECIAL_TEXTS = [
    "שלום, מה שלומך?", "مرحبا بالعالم", "Café e\u0301\u0301\u0301 n\u0303", "👩🏽‍⚕️ 🧠 💤 🇺🇸",
    "Z̴̡̛̖a̷̗l̶g̸o̵", "\u202eevil\u202c", "zero\u200bwidth", "<script>alert(1)</script>",
    "{{ 7*7 }} {% if %}", "**bold** _em_ `code`", "[link](#nowhere)", "&amp; &lt;b&gt;", "100%", "- ",
    "# not a heading", "a" * 400, "Pneumonoultramicroscopicsilicovolcanoconiosis" * 8,
]
SPECIAL = st.sampled_from(SPECIAL_TEXTS)
SAFE_SPECIAL = st.sampled_from([t for t in SPECIAL_TEXTS if not t.startswith(("<", "[", "#"))])
TEXT = st.one_of(st.text(max_size=40), SPECIAL, st.lists(SPECIAL, min_size=1, max_size=3).map(" ".join))
# What a title usually is: printable, not blank (arbitrary TEXT covers the rest).
PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)
TITLE = st.one_of(PRINTABLE, SPECIAL, st.lists(st.one_of(SPECIAL, PRINTABLE), min_size=2, max_size=3).map(" ".join)
                  ).filter(lambda t: t.strip())
# Scripts the handout fonts (and DejaVu, their fallback) can print: Latin with combining
# marks, Greek, Cyrillic, Hebrew and Arabic (right to left), punctuation.
_SCRIPTS = "".join(chr(c) for r in ((0x20, 0x7E), (0xC0, 0x17F), (0x300, 0x304), (0x391, 0x3A9), (0x3B1, 0x3C9),
                                    (0x410, 0x44F), (0x5D0, 0x5EA), (0x621, 0x63A), (0x641, 0x64A))
                   for c in range(r[0], r[1] + 1))
PRINTS = st.text(st.sampled_from(_SCRIPTS), min_size=1, max_size=40).filter(str.strip)
ID = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
AUDIENCE = st.lists(st.sampled_from(["patient", "clinician"]), min_size=1, max_size=2, unique=True)
# Mistakes an editor makes: any value where a field's value goes.
ANYTHING = st.one_of(TEXT, st.none(), st.integers(), st.booleans(), st.lists(TEXT, max_size=2),
                     st.dictionaries(TEXT, TEXT, max_size=2))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


@st.composite
def table(draw, text) -> str:
    cols = draw(st.integers(1, 7))
    rows = draw(st.integers(0, 60))
    cell = st.one_of(st.sampled_from(["", "yes", "a" * 120, "٣ مرات"]), text.map(_cell))
    lines = ["| " + " | ".join(draw(cell).strip() or "h" for _ in range(cols)) + " |", "|" + "---|" * cols]
    lines += ["| " + " | ".join(draw(cell) for _ in range(cols)) + " |" for _ in range(rows)]
    return "\n".join(lines)


def body(*, mistakes: bool = True, titles=None):
    """Markdown text: RTL, combining marks, emoji, very long words, long tables, empty lists,
    deep lists and quotes; with `mistakes`, also raw HTML, headings, dead links, control
    characters and empty texts."""
    text = st.one_of(TEXT, SPECIAL) if mistakes else (
        titles if titles is not None else st.one_of(PRINTABLE, SAFE_SPECIAL)).filter(str.strip)
    block = st.one_of(
        text,
        st.integers(50, 3000).map(lambda n: "x" * n),  # a very long word
        table(text),
        st.sampled_from(["-\n-\n-", "1.\n2.", "* \n*", "- []", "-"]),  # empty lists
        st.integers(1, 40).map(lambda d: "\n".join("  " * i + "- level " + str(i) for i in range(d))),
        st.integers(1, 60).map(lambda d: ">" * d + " deep quote"),
        st.integers(1, 30).map(lambda d: "*" * d + "emphasis" + "*" * d),
    )
    return st.lists(block, min_size=0 if mistakes else 1, max_size=5).map("\n\n".join)


BODY = body()


@st.composite
def section_file(draw, index: int, *, nested: bool, mistakes: bool, titles=TITLE) -> str:
    """A Markdown section: well-formed front matter, or (with `mistakes`) what an editor
    might really type: any value in any field, nothing quoted."""
    front = {"id": f"{draw(ID)}-{index}", "title": draw(titles)}
    if not nested or draw(st.booleans()):
        front["audience"] = draw(AUDIENCE)
    if mistakes and draw(st.booleans()):
        front[draw(st.sampled_from(["id", "title", "audience", "kind", "tilte"]))] = draw(ANYTHING)
    if mistakes and draw(st.booleans()):
        text = "".join(f"{k}: {v}\n" for k, v in front.items())
    else:
        text = yaml.safe_dump(front, allow_unicode=draw(st.booleans()), sort_keys=False)
    return f"---\n{text}---\n{draw(body(mistakes=mistakes, titles=None if titles is TITLE else titles))}\n"


@st.composite
def topic_files(draw, *, mistakes: bool = True, titles=TITLE) -> dict[str, str]:
    mistakes = mistakes and draw(st.integers(0, 3)) == 0  # a quarter of the topics hold mistakes
    files = {
        "topic.yaml": yaml.safe_dump({
            "title": draw(titles), "subtitle": draw(st.one_of(st.none(), titles)), "language": "en-US",
            "publisher": "Clinic", "version": draw(st.sampled_from(["1.0", 1.0, "2"])),
            "reviewed": "2026-01-01", "next_review": "2027-01-01",
            "references": draw(st.lists(st.fixed_dictionaries({
                "title": titles, "type": st.sampled_from(["textbook", "other"] + (["blog"] if mistakes else []))}),
                max_size=3)),
        }, allow_unicode=True, sort_keys=False),
        "sections/01-disclaimer.yaml": "id: disclaimer\ntitle: Disclaimer\naudience: [patient, clinician]\n"
                                       "kind: disclaimer\nrequired: [patient]\ntext: For information only.\n",
        "sections/02-help.yaml": yaml.safe_dump({
            "id": "help", "title": "Get help", "audience": ["patient", "clinician"], "kind": "crisis",
            "required": ["patient"], "signs": draw(st.lists(titles, min_size=0 if mistakes else 1, max_size=3)),
            "crisis": "Call or text 988.", "intro": draw(body(mistakes=mistakes, titles=None if titles is TITLE else titles))},
            allow_unicode=True,
            sort_keys=False),
    }
    folder = "sections"
    for index in range(draw(st.integers(0, 4))):
        name = f"{index + 3:02d}-s{index}"
        files[f"{folder}/{name}.md"] = draw(section_file(index, nested=folder != "sections", mistakes=mistakes,
                                                         titles=titles))
        # The next section goes inside this one (up to 4 deep), or back to the top.
        folder = f"{folder}/{name}" if draw(st.booleans()) else "sections"
    if mistakes:  # files that are not what they claim: junk, binary, half front matter, CRLF
        for index in range(draw(st.integers(0, 2))):
            name = draw(st.text(st.characters(exclude_characters="/\0", exclude_categories=("Cs",)),
                                min_size=1, max_size=12).filter(lambda n: n not in (".", "..")))
            content = draw(st.one_of(
                st.binary(max_size=200), TEXT, st.just(""), st.just("\ufeff---\nid: bom\n---\nx\n"),
                st.just("---\r\nid: crlf\r\ntitle: CRLF\r\naudience: [patient]\r\n---\r\nText\r\n"),
                st.just("---\nid: open\ntitle: never closed\n"), BODY))
            files[f"sections/{90 + index}-{name}.{draw(st.sampled_from(['md', 'yaml', 'patient.md']))}"] = content
    return files


def write_topic(files: dict[str, str | bytes], where: Path) -> Path:
    folder = where / "topic"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return folder


def assert_own_error(exc: PublishError) -> None:
    """The tool's own error: coded findings, each one line, naming a file where it can."""
    assert isinstance(exc, PublishError)
    for f in exc.findings:
        assert f.code in CATALOG
        line = format_finding(f)
        assert "\n" not in line and "\r" not in line
        if isinstance(exc, ContentError):
            assert f.file, line


def text_of(markup: str) -> str:
    return " ".join(markup.split())


# -- properties -----------------------------------------------------------------------------

@FAST
@given(files=topic_files())
def test_any_topic_reads_renders_and_checks_or_fails_with_a_code(files):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            topic = read_topic(write_topic(files, Path(tmp)))
        except ContentError as exc:
            assert exc.findings
            assert_own_error(exc)
            event("content error " + ", ".join(sorted({f.code for f in exc.findings})))
            return
        event("read")
        for edition in (EDITIONS["web"],):
            try:
                doc = select_sections(topic, edition)
                written = make_output(doc, clinic=CLINIC, project=PROJECT, name="web.html")
            except PublishError as exc:
                assert_own_error(exc)
                event(f"{type(exc).__name__} " + ", ".join(sorted({f.code for f in exc.findings})))
                continue
            event("built")
            page = lxml_html.fromstring(written.data)
            assert page.xpath("//script") == []
            headings = [text_of(h.text_content()) for h in page.xpath(
                "//main//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")]
            for section in topic.all_sections():  # titles are text, never markup or template code
                assert text_of(section.body.title) in headings


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=topic_files(mistakes=False, titles=PRINTS))
def test_some_topics_as_pdf_and_epub(files):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            topic = read_topic(write_topic(files, Path(tmp)))
        except ContentError as exc:  # e.g. raw HTML or a heading in generated Markdown
            assert_own_error(exc)
            event("content error " + ", ".join(sorted({f.code for f in exc.findings})))
            return
        for name in ("patient-handout", "booklet"):
            try:
                doc = select_sections(topic, EDITIONS[name])
                written = make_output(doc, clinic=CLINIC, project=PROJECT, name=name)
                findings = written.findings
            except PublishError as exc:
                assert_own_error(exc)
                event(f"{name}: {type(exc).__name__} " + ", ".join(sorted({f.code for f in exc.findings})))
                continue
            event(f"{name}: built")
            assert written.data and not [f for f in findings if f.is_error]


# -- the section selector, on topics made in memory -----------------------------------------

def _section(draw, ids, depth: int) -> Section:
    section_id = f"s{len(ids)}"
    ids.append(section_id)
    children = tuple(_section(draw, ids, depth + 1) for _ in range(draw(st.integers(0, 2 if depth < 5 else 0))))
    return Section(id=section_id, kind="text", body=Body(title=draw(TEXT), html="<p>x</p>"),
                   audiences=frozenset(draw(st.lists(st.sampled_from(["patient", "clinician"]), unique=True))),
                   required_for=frozenset(["patient"]) if draw(st.integers(0, 9)) == 0 else frozenset(),
                   children=children)


@st.composite
def topics(draw) -> Topic:
    ids: list[str] = []
    sections = tuple(_section(draw, ids, 0) for _ in range(draw(st.integers(1, 5))))
    import datetime as dt
    return Topic(id="t", title=draw(TEXT), subtitle="", summary="", language="en-US", publisher="p",
                 version="1", reviewed=dt.date(2026, 1, 1), next_review=dt.date(2027, 1, 1),
                 sections=sections, references=(), folder=Path("."))


@settings(max_examples=200, deadline=None)
@given(topic=topics(), data=st.data())
def test_the_selector_keeps_order_levels_and_required_sections(topic, data):
    known = [s.id for s in topic.all_sections()]
    edition = data.draw(st.sampled_from([e for e in EDITIONS.values()] +
                                        [Edition(id="x", title="x", format="html", audience="patient", layout="web")]))
    picked = data.draw(st.one_of(st.none(), st.lists(st.sampled_from(known + ["nope", ""]), max_size=4)))
    excluded = data.draw(st.lists(st.sampled_from(known), max_size=2))
    try:
        doc = select_sections(topic, edition, section_ids=picked, exclude=excluded)
    except EditionError as exc:  # an unknown id, or nothing left to show: said in words
        assert str(exc) and "\n" not in str(exc)
        return
    chosen = [s.id for s in doc.all_sections()]
    assert chosen == [i for i in known if i in chosen]  # the topic's order, whatever was asked
    for top in doc.sections:
        assert top.level == 2
        for s in top.walk():
            assert all(c.level == s.level + 1 for c in s.children)  # no skipped heading level
    shown = {s.id for s in doc.all_sections() if not s.heading_only}
    if edition.audience:
        required = {s.id for s in topic.all_sections() if edition.audience in s.required_for}
        assert required <= shown  # the safety sections are always there
    assert not (set(excluded) & shown) or any(
        edition.audience in s.required_for for s in topic.all_sections() if s.id in set(excluded) & shown)
