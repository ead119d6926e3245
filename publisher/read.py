"""source/<topic>/ (topic.yaml + sections/) -> model.Topic.

The only module that opens content files. Small functions, each returning what it read
and the findings it made: `(value, [Finding, ...])`. Nothing is kept between calls; the
topic folder (`TopicFolder`) is the only thing they share. `read_topic` collects every
finding and raises them together as one `ContentError`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import errno
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from . import markup, pictures, translations, yamlfile
from .errors import ContentError
from .fields import Field, read_fields
from .findings import Finding, finding, os_error_hint, shown_path
from .limits import (MAX_FILE_BYTES, MAX_SECTION_DEPTH, MAX_SECTION_FILES, MAX_SECTION_WORDS, MAX_TOPIC_BYTES,
                     MAX_TOPIC_WORDS, human_bytes)
from .model import (AUDIENCES, RESERVED_ID_PATTERN, RESERVED_IDS, SECTION_KINDS, SOURCE_TYPES, Body, Image,
                    Question, Reference, Section, SourceRef, Topic)

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SAFETY_KINDS = ("disclaimer", "crisis")
TEXT_SUFFIXES = (".md", ".yaml", ".yml")


def _tag_names(value) -> bool:
    return all(isinstance(t, str) and ID_RE.match(t) for t in value)


def _sentences(value) -> bool:
    return all(isinstance(s, str) and s.strip() for s in value)


_REFERENCES_HELP = "each reference on its own '  - title: ...' line, with '    type: ...' below it"
TOPIC_FIELDS = {
    "title": Field(required=True, about="the topic's title"),
    "subtitle": Field(),
    "summary": Field(),
    "language": Field(required=True, about="a language tag such as en-US"),
    "publisher": Field(required=True),
    "version": Field(required=True),
    "reviewed": Field(required=True, about="a date, YYYY-MM-DD"),
    "next_review": Field(required=True, about="a date, YYYY-MM-DD"),
    "references": Field("list", about=_REFERENCES_HELP, default=[]),
}
REFERENCE_FIELDS = {"title": Field(required=True), "type": Field(required=True)}
SECTION_FIELDS = {
    "id": Field(required=True, about="lowercase letters, digits and hyphens, e.g. sleep-and-mood"),
    "title": Field(required=True),
    "audience": Field("names", required=True, about=f"a list of: {', '.join(AUDIENCES)}"),
    "kind": Field(default="text", about=f"one of: {', '.join(SECTION_KINDS)}"),
    "required": Field("names", default=(), about=f"a list of: {', '.join(AUDIENCES)}"),
    "tags": Field("list", default=[], expected="a list of tag names", valid=_tag_names,
                  about="tag names, e.g. tags: [handout, summary] (lowercase letters, digits, hyphens)"),
}
#: The fields each kind of section holds besides SECTION_FIELDS.
KIND_FIELDS: dict[str, dict[str, Field]] = {
    "text": {},
    "faq": {"questions": Field("list", required=True, about="'- question: ...' with 'answer: ...' below it")},
    "disclaimer": {"text": Field(required=True)},
    "crisis": {"intro": Field(), "crisis_title": Field(), "crisis": Field(required=True), "outro": Field(),
               "signs": Field("list", required=True, expected="a list of sentences", valid=_sentences,
                              about="one '- ' line per warning sign")},
}
QUESTION_FIELDS = {"question": Field(required=True), "answer": Field(required=True)}


@dataclass(frozen=True)
class TopicFolder:
    """The folder being read: `path` as given (for reading), `root` resolved (every file
    read must be inside it, links resolved)."""

    path: Path
    root: Path

    @classmethod
    def of(cls, folder: Path) -> TopicFolder:
        return cls(Path(folder), Path(folder).resolve())

    def outside(self, path: Path) -> list[Finding]:
        """[c-015] when `path` is (a link to) something outside the topic folder, else [].
        Content must never become a way to publish other files."""
        resolved = path.resolve()
        if resolved == self.root or self.root in resolved.parents:
            return []
        return [finding("c-015", f"'{path.name}' is a link to '{resolved}', outside the topic folder",
                        source=SourceRef(shown_path(path)),
                        hint="Copy the file into the topic folder instead of linking to it.")]


class Loaded(NamedTuple):
    """A section file as read: its fields (front matter, or the whole .yaml), the Markdown
    body of a .md and the file line where that body starts (0 for a .yaml)."""

    data: yamlfile.LineDict
    body: str
    body_line: int
    text: str = ""  # the whole file

    @property
    def words(self) -> int:
        """Words in the file's text: the body and every text value of the fields."""
        return len(self.body.split()) + _words(self.data)


def _words(value) -> int:
    # YAML is nested at most limits.MAX_YAML_DEPTH levels: this recursion is bounded.
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(_words(v) for v in value.values())
    if isinstance(value, list):
        return sum(_words(v) for v in value)
    return 0


def find_topics(source_dir: Path) -> list[Path]:
    """Topic folders: every folder under source/ that has a topic.yaml, and every folder we
    may not look into (read_topic then says so, rather than the topic being left out silently)."""
    try:
        folders = [p for p in Path(source_dir).iterdir() if p.is_dir()]
    except OSError:
        return []  # no such folder (an optional --topic-dir), or one that is not a folder
    found = []
    for folder in folders:
        try:
            os.stat(folder / "topic.yaml")
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                continue
        found.append(folder)
    return sorted(found)


def read_topic(folder: Path) -> Topic:
    """Read and validate one topic folder -> Topic.

    Raises ContentError with every problem found (each a Finding with file and line).
    """
    topic = TopicFolder.of(folder)
    topic_file, sections_dir = topic.path / "topic.yaml", topic.path / "sections"
    try:  # a folder we may not look into is not a topic without topic.yaml: say which it is
        is_file = stat.S_ISREG(os.stat(topic_file).st_mode)
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise ContentError([finding("c-016", f"cannot read the topic folder: {exc.strerror or exc}",
                                        source=SourceRef(shown_path(topic.path)), hint=os_error_hint(exc))]) from None
        is_file = False
    if not is_file:
        raise ContentError([finding("c-016", "topic.yaml is missing", source=SourceRef(shown_path(topic_file)))])
    found = _topic_id_problems(topic.path)
    meta, problems = read_meta(topic, topic_file)
    found += problems
    if not sections_dir.is_dir():
        found.append(finding("c-016", "the sections/ folder is missing", source=SourceRef(shown_path(sections_dir))))
        raise ContentError(found)
    problems = check_size(topic, sections_dir)
    if problems:  # too much to read: nothing of it is read
        raise ContentError(found + problems)
    sections, unread, problems = read_sections(topic, sections_dir, parent_audiences=None)
    found += problems + check_words(sections)
    texts, problems = translations.read_topic_translations(topic, meta)  # topic.<lang>.yaml
    found += problems
    found += check_topic(sections, topic_file, complete=not unread)
    if found or meta is None:
        raise ContentError(found)
    return Topic(id=topic.path.name, sections=sections, folder=topic.path, translations=texts, **meta)


def check_size(topic: TopicFolder, sections_dir: Path) -> list[Finding]:
    """[b-004] when the topic has more than MAX_SECTION_FILES section files, [b-001] when
    they hold more than MAX_TOPIC_BYTES together; [] otherwise. Counted from the folder
    listings (no file is opened), and only as far as the limit: the cost is bounded
    however many files there are. Folders deeper than sections can nest are not counted
    (read_sections reports them)."""
    count, total, seen = 0, 0, set()
    folders = [(sections_dir, 1)]
    while folders:
        folder, depth = folders.pop()
        if folder.resolve() in seen or topic.outside(folder):
            continue
        seen.add(folder.resolve())
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue  # read_sections reports it
        for entry in entries:
            if entry.is_dir() and depth < MAX_SECTION_DEPTH:
                folders.append((entry, depth + 1))
            elif entry.suffix in TEXT_SUFFIXES and entry.is_file():
                count += 1
                # a file over the limit of one file is refused by itself, reading no further
                total += min(entry.stat().st_size, MAX_FILE_BYTES + 1)
                where = SourceRef(shown_path(entry))
                if count > MAX_SECTION_FILES:
                    return [finding("b-004", f"the topic has more than {MAX_SECTION_FILES} section files, the limit "
                                             "for one topic (this is one past it)", source=where)]
                if total > MAX_TOPIC_BYTES:
                    return [finding("b-001", f"the topic's section files hold more than {human_bytes(MAX_TOPIC_BYTES)}"
                                             " together, the limit for one topic (this file passes it)",
                                    source=where)]
    return []


def check_words(sections: tuple[Section, ...]) -> list[Finding]:
    """[b-006] at the section file where the topic's main section files pass
    MAX_TOPIC_WORDS words together (what a booklet renders), or []."""
    total = 0
    for section in (s for top in sections for s in top.walk()):
        total += section.body.words
        if total > MAX_TOPIC_WORDS:
            return [finding("b-006", f"the topic passes {MAX_TOPIC_WORDS:,} words, the limit for one topic, "
                                     "in this section", source=section.body.source)]
    return []


def _topic_id_problems(folder: Path) -> list[Finding]:
    if ID_RE.match(folder.name):
        return []
    # The folder name becomes the topic id and part of every output's file name.
    return [finding("c-017", f"the topic folder name '{folder.name}' is not a valid topic id",
                    source=SourceRef(shown_path(folder)),
                    hint="Rename the folder: lowercase letters, digits and hyphens, e.g. sleep-hygiene.")]


# -- topic.yaml ----------------------------------------------------------------------------
def read_meta(topic: TopicFolder, path: Path) -> tuple[dict | None, list[Finding]]:
    """topic.yaml -> ({Topic field: value} for the fields Topic takes besides id, sections
    and folder, findings); None when the file cannot be used."""
    found = topic.outside(path)
    if found:
        return None, found
    file = shown_path(path)
    data, found = yamlfile.read_block(path, file, code="c-012", what="topic.yaml")
    if data is None:
        return None, found
    values, found = read_fields(data, TOPIC_FIELDS, file)
    at = lambda key: SourceRef(file, yamlfile.line_of(data, key))  # noqa: E731
    meta = {key: values[key] or "" for key in ("title", "subtitle", "summary", "language", "publisher", "version")}
    if meta["language"] and not _LANGUAGE_TAG.match(meta["language"]):
        found.append(finding("c-012", f"language '{meta['language']}' is not a language tag", source=at("language"),
                             hint="Use a tag such as en-US or es."))
    for key in ("reviewed", "next_review"):
        meta[key], problems = _date(values[key], at(key), key)
        found += problems
    if meta["reviewed"] and meta["next_review"] and meta["next_review"] <= meta["reviewed"]:
        found.append(finding("c-009", "next_review must be after reviewed", source=at("next_review")))
    meta["references"], problems = read_references(values["references"], data, file)
    return meta, found + problems


def _date(value: str | None, where: SourceRef, key: str) -> tuple[dt.date | None, list[Finding]]:
    if value is None:
        return None, []
    try:
        return dt.date.fromisoformat(value), []
    except ValueError:
        return None, [finding("c-009", f"'{key}: {value}' is not a date", source=where)]


def read_references(items: list, data, file: Path) -> tuple[tuple[Reference, ...], list[Finding]]:
    """The `references:` list of topic.yaml -> (References, findings)."""
    refs, found = [], []
    for item in items:
        where = SourceRef(file, yamlfile.line_of(item) or yamlfile.line_of(data, "references"))
        if not isinstance(item, dict):
            found.append(finding("c-012", "each reference needs 'title:' and 'type:'", source=where,
                                 hint="Write '  - title: ...' with '    type: ...' below it."))
            continue
        values, problems = read_fields(item, REFERENCE_FIELDS, file)
        found += problems
        kind = values["type"] or ""
        if kind and kind not in SOURCE_TYPES:
            found.append(finding("c-018", f"reference type '{kind}' is unknown",
                                 source=SourceRef(file, yamlfile.line_of(item, "type")),
                                 hint=f"Use one of: {', '.join(SOURCE_TYPES)}."))
        elif values["title"]:
            refs.append(Reference(title=values["title"], type=kind))
    return tuple(refs), found


# -- section files -------------------------------------------------------------------------
def read_sections(topic: TopicFolder, folder: Path, parent_audiences: frozenset[str] | None,
                  seen: frozenset[Path] = frozenset()
                  ) -> tuple[tuple[Section, ...], tuple[Path, ...], list[Finding]]:
    """The section files of one folder (and their subsection folders) -> (Sections in
    name order, the section files that could not be read at all, findings).
    `parent_audiences` is None at the top; a subsection without `audience:` takes its
    parent's. `seen`: the folders above (their number is the depth), to stop at a link
    loop and at MAX_SECTION_DEPTH (b-004)."""
    found = topic.outside(folder)
    if found or folder.resolve() in seen:
        return (), (), found  # outside the topic, or a link loop back to a folder already read
    seen = seen | {folder.resolve()}
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in TEXT_SUFFIXES)
    except OSError as exc:
        return (), (folder,), [finding("c-016", f"cannot read the folder: {exc.strerror or exc}", hint=os_error_hint(exc),
                                       source=SourceRef(shown_path(folder)))]
    mains = [p for p in files if "." not in p.stem]
    translated = [p for p in files if translations.is_translation(p)]  # <stem>[.<variant>].<language>.md|yaml
    variants = [p for p in files if "." in p.stem and p not in translated]
    sections, unread = [], []
    for path in mains:
        section, not_read, problems = read_section_tree(topic, path, parent_audiences, variants, seen)
        found += problems
        unread += not_read
        if section is not None:
            texts, problems = read_section_translations(topic, path, section, translated)
            found += problems
            sections.append(replace(section, translations=texts) if texts else section)
    main_stems = {p.stem for p in mains}
    found += translations.orphans(translated, main_stems)
    found += [finding("c-019", f"'{v.name}' has no main section file", source=SourceRef(shown_path(v)))
              for v in variants if v.stem.partition(".")[0] not in main_stems]
    return tuple(sections), tuple(unread), found


def read_section_tree(topic: TopicFolder, path: Path, parent_audiences: frozenset[str] | None,
                      variants: list[Path], seen: frozenset[Path]
                      ) -> tuple[Section | None, tuple[Path, ...], list[Finding]]:
    """One section file with its variants (`<stem>.<name>.md|yaml` among `variants`) and
    its subsections (the folder named like the file) -> (Section or None, the files that
    could not be read at all, findings)."""
    section, data, found = read_section(topic, path, parent_audiences)
    if section is None:
        return None, (path,), found
    subfolder = path.parent / path.stem
    children: tuple[Section, ...] = ()
    unread: tuple[Path, ...] = ()
    if subfolder.is_dir() and len(seen) >= MAX_SECTION_DEPTH:
        found.append(finding("b-004", f"subsections nested too deeply: '{subfolder.name}/' would be level "
                                      f"{len(seen) + 1}, more than the {MAX_SECTION_DEPTH} levels headings allow",
                             source=SourceRef(shown_path(subfolder)),
                             hint=f"Keep subsections at most {MAX_SECTION_DEPTH} folders deep: move the sections "
                                  "of this folder up a level, into the folder above."))
    elif subfolder.is_dir():
        children, unread, problems = read_sections(topic, subfolder, section.audiences, seen)
        found += problems
    bodies = {}
    for variant in variants:
        stem, _, name = variant.stem.partition(".")
        if stem == path.stem:
            body, problems = read_variant(topic, variant, section, base=data)
            found += problems
            if body is not None:
                bodies[name] = body
    return replace(section, variants=bodies, children=children), unread, found


def load_section_file(topic: TopicFolder, path: Path, *, optional: bool = False) -> tuple[Loaded | None, list[Finding]]:
    """A .md (front matter + Markdown body) or a .yaml section file -> (Loaded, findings).
    With `optional`, a .md without front matter is all body (a variant needs none)."""
    found = topic.outside(path)
    if found:
        return None, found
    file = shown_path(path)
    text, found = yamlfile.read_text(path, file)
    if text is None:
        return None, found
    if path.suffix != ".md":
        data, found = yamlfile.as_block(*yamlfile.load(text, SourceRef(file, 1)), file, code="c-012",
                                        what="a section file")
        return (Loaded(data, "", 0, text) if data is not None else None), found
    front, body, body_line = yamlfile.split_front_matter(text)
    if front is None and yamlfile.OPENING_LINE.match(text):
        # An opening '---' without its closing line: the fields would be printed as text.
        return None, [finding("c-001", "the front matter that starts on line 1 has no closing '---' line",
                              source=SourceRef(file, 1),
                              hint="End the block of fields with a line of three dashes (---), then write the text.")]
    if front is None:
        if optional:
            return Loaded(yamlfile.LineDict(), body, body_line, text), []
        return None, [finding("c-002", "the file has no front matter (--- id, title, audience ---)",
                              source=SourceRef(file, 1), hint="Start the file with a block between two '---' lines.")]
    data, found = yamlfile.load(front, SourceRef(file, 2))
    if data is None or found:  # a YAML error, already reported: more findings would only guess
        return None, found
    if not isinstance(data, dict):
        return None, [finding("c-012", "expected 'field: value' lines", source=SourceRef(file, 1))]
    return Loaded(data, body, body_line, text), []


def read_section(topic: TopicFolder, path: Path, parent_audiences: frozenset[str] | None
                 ) -> tuple[Section | None, yamlfile.LineDict | None, list[Finding]]:
    """One main section file -> (Section without variants or children, its fields (a
    structured section's variants take the keys they do not change from them), findings)."""
    loaded, found = load_section_file(topic, path)
    if loaded is None:
        return None, None, found
    data, file = loaded.data, shown_path(path)
    at = lambda key: SourceRef(file, yamlfile.line_of(data, key))  # noqa: E731
    kind = str(data.get("kind", "text"))
    if kind not in SECTION_KINDS:
        return None, None, [finding("c-013", f"kind '{kind}' is unknown", source=at("kind"),
                                    hint=f"Use one of: {', '.join(SECTION_KINDS)}.")]
    if kind != "text" and path.suffix == ".md":
        return None, None, [finding("c-013", f"a '{kind}' section must be a .yaml file", source=at("kind"))]
    if kind in SAFETY_KINDS and (found := _hidden_in_safety_text(loaded, file)):
        return None, None, found  # safety text must say exactly what it shows
    table = {**SECTION_FIELDS, **KIND_FIELDS[kind]}
    required = tuple(k for k, spec in table.items() if spec.required and (k != "audience" or parent_audiences is None))
    values, found = read_fields(data, table, file, required=required)
    section_id = values["id"] or ""
    if section_id and not ID_RE.match(section_id):
        found.append(finding("c-017", f"id '{section_id}' is not a valid id", source=at("id")))
    elif section_id in RESERVED_IDS or re.fullmatch(RESERVED_ID_PATTERN, section_id):
        found.append(finding(
            "c-024", f"id '{section_id}' is reserved: the layouts use it for an element of their own",
            source=at("id"), hint=f"Choose another id, e.g. '{section_id}-section'. Reserved: "
                                  f"{', '.join(sorted(RESERVED_IDS))} and page-1, page-2, ..."))
    audiences, problems = _audiences(values["audience"], at("audience"))
    required_for, more = _audiences(values["required"], at("required"))
    found += problems + more
    body, problems = read_body(topic, loaded, values, kind, file)
    found += problems
    if body is None:
        return None, None, found
    section = Section(id=section_id, kind=kind, audiences=audiences if "audience" in data else parent_audiences or frozenset(),
                      body=body, required_for=required_for or frozenset(), source=at("id"),
                      tags=frozenset(values["tags"]))
    return section, data, found


def _hidden_in_safety_text(loaded: Loaded, file: Path) -> list[Finding]:
    """c-023 for the characters safety text may not hold (yamlfile.HIDDEN_IN_SAFETY), with
    their columns, and for those written as YAML escapes."""
    return yamlfile.hidden_characters(loaded.text, file, safety=True) or \
        yamlfile.hidden_in_values(loaded.data, file, safety=True)


def _audiences(names: tuple[str, ...] | None, where: SourceRef) -> tuple[frozenset[str], list[Finding]]:
    found = [finding("c-005", f"audience '{name}' does not exist", source=where,
                     hint=f"Use a list of: {', '.join(AUDIENCES)}.")
             for name in names or () if name not in AUDIENCES]
    return frozenset(n for n in names or () if n in AUDIENCES), found


def read_variant(topic: TopicFolder, path: Path, section: Section, *, base: yamlfile.LineDict | None
                 ) -> tuple[Body | None, list[Finding]]:
    """A variant file (`<stem>.<name>.md|yaml`) of `section` -> (Body, findings).

    A .md variant's front matter may only set `title` (its body replaces the main
    file's). A structured variant (.yaml) holds only the keys it changes; the others come
    from `base`, the main file's fields."""
    loaded, found = load_section_file(topic, path, optional=True)
    if loaded is None:
        return None, found
    data, kind, file = loaded.data, section.kind, shown_path(path)
    if kind in SAFETY_KINDS and (found := _hidden_in_safety_text(loaded, file)):
        return None, found
    table = {"title": Field(), **KIND_FIELDS[kind]}
    values, found = read_fields(data, table, file, required=())
    if base is not None and kind != "text":
        base_values, _ = read_fields(base, {**SECTION_FIELDS, **KIND_FIELDS[kind]}, file)
        values = {k: values[k] if k in data else base_values.get(k) for k in table}
        data = _merged_lines(base, data)
    values["title"] = values["title"] or section.body.title
    body, problems = read_body(topic, loaded._replace(data=data), values, kind, file)
    return body, found + problems


def _merged_lines(base: yamlfile.LineDict, data: yamlfile.LineDict) -> yamlfile.LineDict:
    """The lines a merged structured variant's keys are on: the variant's own keys on
    their lines, inherited keys on the variant's first line (the base is another file)."""
    merged = yamlfile.LineDict({**base, **data})
    merged.line, merged.lines = data.line, {**{k: data.line for k in base}, **data.lines}
    return merged


# -- bodies --------------------------------------------------------------------------------
class Text(NamedTuple):
    """A Markdown text as HTML, with the pictures it shows (bytes read) and its #id links."""

    html: str
    images: tuple[Image, ...] = ()
    links: tuple[tuple[str, SourceRef], ...] = ()


def read_body(topic: TopicFolder, loaded: Loaded, values: dict, kind: str, file: Path
              ) -> tuple[Body | None, list[Finding]]:
    """A section's (or variant's) content -> (Body, findings). `values` are its checked
    fields (read_fields); `loaded` gives the Markdown body and the lines of the fields."""
    data = loaded.data
    line = lambda key: yamlfile.line_of(data, key)  # noqa: E731
    texts: list[Text] = []
    found: list[Finding] = []
    if loaded.words > MAX_SECTION_WORDS:
        found.append(finding("b-006", f"the section has {loaded.words:,} words, more than the limit of "
                                      f"{MAX_SECTION_WORDS:,} for one section file", source=SourceRef(file, 1)))

    def markdown(text: str | None, at: int | None) -> str:
        result, problems = read_markdown(topic, text or "", SourceRef(file, at))
        texts.append(result)
        found.extend(problems)
        return result.html

    fields: dict = {}
    if kind == "text":
        if not loaded.body.strip():
            found.append(finding("c-010", "the section has no text", source=SourceRef(file, loaded.body_line or 1)))
        fields["html"] = markdown(loaded.body, loaded.body_line)
    elif kind == "disclaimer":
        fields["html"] = markdown(values["text"], line("text"))
    elif kind == "faq":
        questions, problems = read_questions(topic, values["questions"], data, file)
        found += problems
        fields["questions"] = tuple(q for q, _ in questions)
        texts += [t for _, t in questions]
    elif kind == "crisis":
        fields.update(
            intro_html=markdown(values["intro"], line("intro")),
            signs=tuple(s.strip() for s in values["signs"] or ()),
            crisis_title=values["crisis_title"] or "If you are in crisis",
            crisis_html=markdown(values["crisis"], line("crisis")),
            outro_html=markdown(values["outro"], line("outro")),
        )
    # What a translation of this text records it translates (translations.fingerprint).
    text = translations.text_fields(kind, values, loaded.body, KIND_FIELDS[kind])
    body = Body(title=values["title"] or "", images=tuple(i for t in texts for i in t.images),
                links=tuple(link for t in texts for link in t.links), source=SourceRef(file, 1),
                words=loaded.words, fingerprint=translations.fingerprint(text), **fields)
    return body, found


def read_questions(topic: TopicFolder, items: list | None, data, file: Path
                   ) -> tuple[list[tuple[Question, Text]], list[Finding]]:
    """The `questions:` of a FAQ -> ([(Question, its answer's Text)], findings)."""
    where = SourceRef(file, yamlfile.line_of(data, "questions"))
    if not items:
        return [], [finding("c-010", "'questions' must list at least one question", source=where)]
    questions, found = [], []
    for item in items:
        if not isinstance(item, dict):
            found.append(finding("c-012", "each question needs 'question:' and 'answer:'", source=where))
            continue
        values, problems = read_fields(item, QUESTION_FIELDS, file)
        found += problems
        if values["question"] and values["answer"]:
            answer, problems = read_markdown(topic, values["answer"],
                                             SourceRef(file, yamlfile.line_of(item, "answer")))
            found += problems
            questions.append((Question(question=values["question"], answer_html=answer.html), answer))
    return questions, found


def read_markdown(topic: TopicFolder, text: str, source: SourceRef) -> tuple[Text, list[Finding]]:
    """Markdown at `source` (file, first line) -> (Text with the pictures' bytes, findings)."""
    result = markup.to_html(text, source, image_exists=lambda rel: (topic.path / rel).is_file())
    found = list(result.findings)
    images = []
    for image, where in zip(result.images, result.image_refs):
        data, problems = read_image(topic, image, where)
        found += problems
        if data is not None:
            images.append(replace(image, data=data))
    return Text(result.html, tuple(images), tuple(result.section_links)), found


def read_image(topic: TopicFolder, image: Image, where: SourceRef) -> tuple[bytes | None, list[Finding]]:
    """The bytes of a picture the text uses (read once here for every output format), or
    None with findings: outside the topic (c-015), unreadable, or refused by the one
    picture check for content and logos (publisher/pictures.py: c-006, c-015)."""
    path = topic.path / image.path
    found = topic.outside(path)
    if found:
        return None, found
    try:
        return pictures.check_picture(pictures.read_picture(path), image.path.suffix).data, []
    except OSError as exc:
        return None, [finding("c-016", f"cannot read image '{image.path}': {exc.strerror or exc}", source=where,
                              hint=os_error_hint(exc))]
    except pictures.PictureRefused as exc:
        return None, [finding(exc.code, f"image '{image.path}' {exc.reason}", source=where, hint=exc.hint)]


# -- whole topic ---------------------------------------------------------------------------
def check_topic(sections: tuple[Section, ...], topic_file: Path, *, complete: bool = True) -> list[Finding]:
    """What only the whole topic shows: duplicate ids (c-004), #id links to no section
    (c-007), the required safety sections (c-008). Not `complete` (a section file could not
    be read): no c-007 or c-008, which would blame a section that may be in that file."""
    found: list[Finding] = []
    seen: dict[str, Section] = {}
    for top in sections:
        for section in top.walk():
            if section.id in seen:
                first = seen[section.id].source
                found.append(finding(
                    "c-004", f"section id '{section.id}' is used twice (first in {first.file} line {first.line})",
                    source=section.source))
            seen.setdefault(section.id, section)
    if not complete:
        return found
    for section in (s for top in sections for s in top.walk()):
        translated = [body for texts in section.translations.values() for body in texts.values()]
        for body in (section.body, *section.variants.values(), *translated):
            for target, where in body.links:
                if target not in seen:
                    near = difflib.get_close_matches(target, list(seen), n=3)
                    hint = (f"Did you mean {', '.join('#' + n for n in near)}? " if near else "") + \
                        "`publish list` shows the section ids."
                    found.append(finding("c-007", f"link to '#{target}', which is no section id",
                                         source=where, hint=hint))
    for kind in SAFETY_KINDS:
        if not any(s.kind == kind and "patient" in s.required_for for s in seen.values()):
            found.append(finding("c-008", f"the topic has no required '{kind}' section",
                                 source=SourceRef(shown_path(topic_file))))
    return found


# -- translation files: read here, where section files are read (translations.py holds what
# -- they mean: names, fingerprints, headers), so neither module imports the other ---------

def read_section_translations(topic, main: Path, section: Section, files: list[Path]
                              ) -> tuple[dict[str, dict[str, Body]], list[Finding]]:
    """The translations of one section (of its main text and of each variant), from the
    files beside it -> ({language: {variant or "": body}}, findings)."""
    texts: dict[str, dict[str, Body]] = {}
    found: list[Finding] = []
    for path in files:
        stem, variant, lang = translations.split_name(path)
        if stem != main.stem:
            continue
        source = section.body if not variant else section.variants.get(variant)
        if source is None and any((main.parent / f"{main.stem}.{variant}{suffix}").exists() for suffix in TEXT_SUFFIXES):
            continue  # the variant is there but could not be read: its own finding says why
        if source is None:
            found.append(finding("n-004", f"'{path.name}' translates the variant '{variant}', "
                                          f"which '{main.name}' does not have", source=SourceRef(shown_path(path))))
            continue
        body, problems = read_translated_body(topic, path, section.kind, source, lang=lang)
        found += problems
        if body is not None:
            texts.setdefault(lang, {})[variant] = body
    return texts, found


def read_translated_body(topic, path: Path, kind: str, source: Body, *, lang: str
                         ) -> tuple[Body | None, list[Finding]]:
    """One translation file -> (a Body in that language, findings), checked like its source.
    A structured translation holds every text its source shows (nothing is taken from the
    English file: English must not slip into a translated output)."""
    loaded, found = load_section_file(topic, path)
    if loaded is None:
        return None, found
    file = shown_path(path)
    shown_source = source.source.file if source.source else file
    translation, problems = translations.read_header(loaded.data, file=file, lang=lang, source_file=Path(shown_source),
                                        current=source.fingerprint)
    found += problems
    table = {"title": Field(required=True), **KIND_FIELDS[kind]}
    needed = ["title"] + [k for k, spec in KIND_FIELDS[kind].items() if spec.required]
    if kind == "crisis":
        needed += ["crisis_title"] + [k for k, shown in (("intro", source.intro_html), ("outro", source.outro_html))
                                      if shown]
    values, problems = read_fields(loaded.data, table, file, required=tuple(needed))
    found += [replace(f, code="n-002", message=f.message + ", which its source has",
                      hint=f"Translate it from {shown_source}.") if f.code == "c-002" else f for f in problems]
    if kind == "crisis" and values.get("signs") and len(values["signs"]) != len(source.signs):
        found.append(finding("n-002", f"the translation lists {len(values['signs'])} warning signs; "
                                      f"its source lists {len(source.signs)}",
                             source=SourceRef(file, yamlfile.line_of(loaded.data, "signs")),
                             hint="Translate every warning sign, one for one: none may be dropped."))
    body, problems = read_body(topic, loaded, values, kind, file)
    found += problems
    if body is None or translation is None:
        return None, found
    return replace(body, language=lang, translation=translation), found
