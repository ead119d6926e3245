"""source/<topic>/ (topic.yaml + sections/) -> model.Topic.

The only module that opens content files. Every problem found becomes a `Finding` with
the file and line; all of them are collected and raised together as one `ContentError`.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import replace
from pathlib import Path

from . import markup, translations, yamlfile
from .errors import ContentError
from .findings import Finding, finding, shown_path
from .model import (AUDIENCES, SECTION_KINDS, SOURCE_TYPES, Body, Question, Reference,
                    Section, SourceRef, Topic)

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ORDER_PREFIX = re.compile(r"^\d+[-_]")

TOPIC_FIELDS = {"title", "subtitle", "summary", "language", "publisher", "version",
                "reviewed", "next_review", "references"}
TOPIC_REQUIRED = ("title", "language", "publisher", "version", "reviewed", "next_review")
COMMON_FIELDS = {"id", "title", "audience", "kind", "required", "tags"}
KIND_FIELDS = {
    "text": set(),
    "faq": {"questions"},
    "disclaimer": {"text"},
    "crisis": {"intro", "signs", "crisis_title", "crisis", "outro"},
}
KIND_REQUIRED = {"text": (), "faq": ("questions",), "disclaimer": ("text",),
                 "crisis": ("signs", "crisis")}
SAFETY_KINDS = ("disclaimer", "crisis")


def find_topics(source_dir: Path) -> list[Path]:
    """Topic folders: every folder under source/ that has a topic.yaml."""
    return sorted(p.parent for p in Path(source_dir).glob("*/topic.yaml"))


def read_topic(folder: Path) -> Topic:
    """Read and validate one topic folder. Raises ContentError with every problem found."""
    return _Reader(Path(folder)).read()


# Image files start with these bytes; anything else is not the picture its name promises.
_IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
                ".gif": (b"GIF87a", b"GIF89a"), ".webp": (b"RIFF",)}
# An SVG may draw only what it holds: no other file, no web address, no XML entities.
_SVG_OUTSIDE = re.compile(rb"""(?:href\s*=\s*["'](?!#|data:)|url\(\s*["']?(?!#|data:)|@import|<!ENTITY|<!DOCTYPE)""",
                          re.I)


class _Reader:
    def __init__(self, folder: Path):
        self.folder = folder
        self.root = folder.resolve()  # every file read must be inside it, links resolved
        self.findings: list[Finding] = []
        self._links: list = []  # (section id, SourceRef) of every #id link, checked at the end
        self._images: list = []
        self._raw: dict[Path, dict] = {}  # each structured section's fields, for its variants
        self._seen_dirs: set[Path] = set()

    # -- files -------------------------------------------------------------------------
    def rel(self, path: Path) -> Path:
        return shown_path(path)

    def inside(self, path: Path) -> bool:
        resolved = path.resolve()
        return resolved == self.root or self.root in resolved.parents

    def refuse_outside(self, path: Path) -> bool:
        """A file or folder that is (a link to) something outside the topic folder is not
        read: content must never become a way to publish other files."""
        if self.inside(path):
            return False
        self.findings.append(finding(
            "c-015", f"'{path.name}' is a link to '{path.resolve()}', outside the topic folder",
            source=SourceRef(self.rel(path)),
            hint="Copy the file into the topic folder instead of linking to it."))
        return True

    def text_of(self, path: Path) -> str | None:
        if self.refuse_outside(path):
            return None
        text, problems = yamlfile.read_text(path, self.rel(path))
        self.findings += problems
        return text

    def image_data(self, image, where: SourceRef) -> bytes | None:
        """The bytes of an image the text uses, read once here for every output format."""
        path = self.folder / image.path
        if self.refuse_outside(path):
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.findings.append(finding("c-016", f"cannot read image '{image.path}': {exc.strerror or exc}",
                                         source=where))
            return None
        suffix = image.path.suffix.lower()
        if suffix == ".svg":
            if b"<svg" not in data[:4096] or _SVG_OUTSIDE.search(data):
                self.findings.append(finding(
                    "c-015", f"image '{image.path}' is not a self-contained SVG picture", source=where,
                    hint="An SVG may not load other files, web addresses or XML entities; export it again as plain SVG."))
                return None
        elif not data.startswith(_IMAGE_MAGIC[suffix]) or (suffix == ".webp" and data[8:12] != b"WEBP"):
            self.findings.append(finding(
                "c-006", f"image '{image.path}' is not a {suffix[1:].upper()} picture", source=where,
                hint="Save the picture again in the format its name says, or fix the file name."))
            return None
        return data

    def yaml_of(self, text: str, ref: SourceRef):
        data, problems = yamlfile.load(text, ref)
        self.findings.extend(problems)
        return data

    # -- topic -------------------------------------------------------------------------
    def read(self) -> Topic:
        topic_file = self.folder / "topic.yaml"
        sections_dir = self.folder / "sections"
        if not topic_file.is_file():
            raise ContentError([finding("c-016", "topic.yaml is missing",
                                        source=SourceRef(self.rel(topic_file)))])
        if not ID_RE.match(self.folder.name):
            # The folder name becomes the topic id and part of every output's file name.
            self.findings.append(finding(
                "c-017", f"the topic folder name '{self.folder.name}' is not a valid topic id",
                source=SourceRef(self.rel(self.folder)),
                hint="Rename the folder: lowercase letters, digits and hyphens, e.g. sleep-hygiene."))
        meta = self.read_meta(topic_file)
        sections: tuple[Section, ...] = ()
        if sections_dir.is_dir():
            sections = self.read_sections(sections_dir, parent_audiences=None)
        else:
            self.findings.append(finding("c-016", "the sections/ folder is missing",
                                         source=SourceRef(self.rel(sections_dir))))
        texts = translations.read_topic_translations(self, self.folder, meta)
        self.check_topic(sections, topic_file)
        if self.findings or meta is None:
            raise ContentError(self.findings)
        return Topic(id=self.folder.name, sections=sections, folder=self.folder, translations=texts, **meta)

    def read_meta(self, path: Path) -> dict | None:
        text = self.text_of(path)
        if text is None:
            return None
        ref = SourceRef(self.rel(path), 1)
        data = self.yaml_of(text, ref)
        if data is None:
            return None
        if not isinstance(data, dict):
            self.findings.append(finding("c-012", "topic.yaml must be a list of 'field: value' lines",
                                         source=ref))
            return None
        file = ref.file
        self.findings += yamlfile.check_keys(data, known=TOPIC_FIELDS, required=TOPIC_REQUIRED,
                                             file=file)
        meta = {
            "title": self.string(data, "title", file),
            "subtitle": self.string(data, "subtitle", file),
            "summary": self.string(data, "summary", file),
            "language": self.string(data, "language", file),
            "publisher": self.string(data, "publisher", file),
            "version": self.string(data, "version", file),
            "reviewed": self.date(data, "reviewed", file),
            "next_review": self.date(data, "next_review", file),
            "references": self.references(data, file),
        }
        if meta["language"] and not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", meta["language"]):
            self.findings.append(finding("c-012", f"language '{meta['language']}' is not a language tag",
                                         source=SourceRef(file, yamlfile.line_of(data, "language")),
                                         hint="Use a tag such as en-US or es."))
        if meta["reviewed"] and meta["next_review"] and meta["next_review"] <= meta["reviewed"]:
            self.findings.append(finding("c-009", "next_review must be after reviewed",
                                         source=SourceRef(file, yamlfile.line_of(data, "next_review"))))
        return meta

    def string(self, data, key, file) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # a version such as 1.0 written without quotes
        if not isinstance(value, str):
            self.findings.append(finding("c-012", f"'{key}' must be text",
                                         source=SourceRef(file, yamlfile.line_of(data, key))))
            return ""
        return value.strip()

    def date(self, data, key, file) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.findings.append(finding("c-009", f"'{key}: {value}' is not a date",
                                         source=SourceRef(file, yamlfile.line_of(data, key))))
            return None

    def references(self, data, file) -> tuple[Reference, ...]:
        items = data.get("references") or []
        if not isinstance(items, list):
            self.findings.append(finding("c-012", "'references' must be a list",
                                         source=SourceRef(file, yamlfile.line_of(data, "references")),
                                         hint="Write each reference on its own '  - title: ...' line, "
                                              "with '    type: ...' below it."))
            return ()
        refs = []
        for item in items:
            where = SourceRef(file, yamlfile.line_of(item) or yamlfile.line_of(data, "references"))
            if not isinstance(item, dict):
                self.findings.append(finding("c-012", "each reference needs 'title:' and 'type:'",
                                             source=where, hint="Write '  - title: ...' with '    type: ...' below it."))
                continue
            self.findings += yamlfile.check_keys(item, known={"title", "type"},
                                                 required=("title", "type"), file=file)
            kind = str(item.get("type", ""))
            if kind and kind not in SOURCE_TYPES:
                self.findings.append(finding(
                    "c-018", f"reference type '{kind}' is unknown",
                    source=SourceRef(file, yamlfile.line_of(item, "type")),
                    hint=f"Use one of: {', '.join(SOURCE_TYPES)}."))
                continue
            if item.get("title"):
                refs.append(Reference(title=str(item["title"]).strip(), type=kind))
        return tuple(refs)

    # -- sections ----------------------------------------------------------------------
    def read_sections(self, folder: Path, parent_audiences) -> tuple[Section, ...]:
        if self.refuse_outside(folder) or folder.resolve() in self._seen_dirs:
            return ()  # outside the topic, or a link loop back to a folder already read
        self._seen_dirs.add(folder.resolve())
        try:
            files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".md", ".yaml", ".yml"))
        except OSError as exc:
            self.findings.append(finding("c-016", f"cannot read the folder: {exc.strerror or exc}",
                                         source=SourceRef(self.rel(folder))))
            return ()
        mains = [p for p in files if "." not in p.stem]
        translated = [p for p in files if translations.is_translation(p)]  # name[.variant].<lang>.md
        variants = [p for p in files if "." in p.stem and p not in translated]
        sections = []
        for path in mains:
            sub = folder / path.stem
            section = self.read_section(path, parent_audiences)
            if section is None:
                continue
            children = self.read_sections(sub, section.audiences) if sub.is_dir() else ()
            section_variants = {}
            for variant in variants:
                stem, _, name = variant.stem.partition(".")
                if stem == path.stem:
                    body = self.read_body(variant, section.kind, variant=True, default_title=section.body.title,
                                          base=self._raw.get(path))
                    if body is not None:
                        section_variants[name] = body
            texts = translations.read_section_translations(self, path, section, section_variants, translated,
                                                           KIND_FIELDS)
            sections.append(Section(
                id=section.id, kind=section.kind, audiences=section.audiences,
                body=section.body, required_for=section.required_for,
                variants=section_variants, children=children, source=section.source, tags=section.tags,
                translations=texts))
        main_stems = {p.stem for p in mains}
        translations.check_orphans(self, translated, main_stems)
        for variant in variants:
            if variant.stem.partition(".")[0] not in main_stems:
                self.findings.append(finding("c-019", f"'{variant.name}' has no main section file",
                                             source=SourceRef(self.rel(variant))))
        return tuple(sections)

    def front(self, path: Path, *, optional: bool = False):
        """(front matter dict, body text, body line) of a .md, or (dict, '', 0) of a .yaml.
        With `optional`, a .md without front matter is all body (a variant needs none)."""
        text = self.text_of(path)
        if text is None:
            return None, "", 0
        ref = SourceRef(self.rel(path), 1)
        if path.suffix == ".md":
            fm, body, body_line = yamlfile.split_front_matter(text)
            if fm is None and optional:
                return yamlfile.LineDict(), body, body_line
            if fm is None:
                self.findings.append(finding("c-002", "the file has no front matter (--- id, title, audience ---)",
                                             source=ref, hint="Start the file with a block between two '---' lines."))
                return None, "", 0
            data = self.yaml_of(fm, SourceRef(ref.file, 2))
            if data is None:  # a YAML error, already reported: more findings would only guess
                return None, "", 0
        else:
            data, body, body_line = self.yaml_of(text, ref), "", 0
            if data is None:
                return None, "", 0
        if not isinstance(data, dict):
            self.findings.append(finding("c-012", "expected 'field: value' lines", source=ref))
            return None, "", 0
        return data, body, body_line

    def read_section(self, path: Path, parent_audiences) -> Section | None:
        data, body_text, body_line = self.front(path)
        if data is None:
            return None
        file = self.rel(path)
        kind = str(data.get("kind", "text"))
        if kind not in SECTION_KINDS:
            self.findings.append(finding("c-013", f"kind '{kind}' is unknown",
                                         source=SourceRef(file, yamlfile.line_of(data, "kind")),
                                         hint=f"Use one of: {', '.join(SECTION_KINDS)}."))
            return None
        if kind != "text" and path.suffix == ".md":
            self.findings.append(finding("c-013", f"a '{kind}' section must be a .yaml file",
                                         source=SourceRef(file, yamlfile.line_of(data, "kind"))))
            return None
        required = ("id", "title") + (("audience",) if parent_audiences is None else ())
        self.findings += yamlfile.check_keys(data, known=COMMON_FIELDS | KIND_FIELDS[kind],
                                             required=required + KIND_REQUIRED[kind], file=file)
        section_id = str(data.get("id", "")).strip()
        if section_id and not ID_RE.match(section_id):
            self.findings.append(finding("c-017", f"id '{section_id}' is not a valid id",
                                         source=SourceRef(file, yamlfile.line_of(data, "id"))))
        audiences = self.audiences(data, file, "audience") if "audience" in data else parent_audiences
        required_for = self.audiences(data, file, "required") if "required" in data else frozenset()
        tags = self.tags(data, file)
        body = self.make_body(data, body_text, body_line, kind, file, path)
        if body is None:
            return None
        if kind != "text":
            self._raw[path] = data
        return Section(id=section_id, kind=kind, audiences=audiences or frozenset(), body=body,
                       required_for=required_for, source=SourceRef(file, yamlfile.line_of(data, "id")), tags=tags)

    def tags(self, data, file) -> frozenset[str]:
        """`tags: [handout, summary]`: the short editions (their `tag:`) that show the section."""
        value = data.get("tags", [])
        if not isinstance(value, list) or not all(isinstance(t, str) and ID_RE.match(t) for t in value):
            self.findings.append(finding("c-012", f"'tags' must be a list of tag names, got {value!r}",
                                         source=SourceRef(file, yamlfile.line_of(data, "tags")),
                                         hint="Write e.g. tags: [handout, summary] (lowercase letters, digits, hyphens)."))
            return frozenset()
        return frozenset(value)

    def audiences(self, data, file, key) -> frozenset[str]:
        value = data.get(key)
        items = value if isinstance(value, list) else [value]
        where = SourceRef(file, yamlfile.line_of(data, key))
        result = set()
        for item in items:
            if item not in AUDIENCES:
                self.findings.append(finding("c-005", f"audience '{item}' does not exist", source=where,
                                             hint=f"Use a list of: {', '.join(AUDIENCES)}."))
            else:
                result.add(item)
        return frozenset(result)

    def read_body(self, path: Path, kind: str, *, variant: bool, default_title: str,
                  base: dict | None = None) -> Body | None:
        """A variant's body. A structured variant (.yaml) holds only the keys it changes; the
        others come from `base`, the main file's fields."""
        data, body_text, body_line = self.front(path, optional=True)
        if data is None:
            return None
        file = self.rel(path)
        self.findings += yamlfile.check_keys(data, known={"title"} | KIND_FIELDS[kind], required=(),
                                             file=file)
        if base is not None and kind != "text":
            merged = yamlfile.LineDict({k: v for k, v in base.items() if k in KIND_FIELDS[kind]})
            merged.line, merged.lines = data.line, {**{k: data.line for k in merged}, **data.lines}
            merged.update(data)
            data = merged
        if "title" not in data:
            data["title"] = default_title
        return self.make_body(data, body_text, body_line, kind, file, path, variant=variant)

    def markdown(self, text: str, file: Path, line: int) -> str:
        result = markup.to_html(text, SourceRef(file, line), image_exists=self.image_exists)
        self.findings += result.findings
        self._links += result.section_links
        for image, where in zip(result.images, result.image_refs):
            data = self.image_data(image, where)
            if data is not None:
                self._images.append(replace(image, data=data))
        return result.html

    def image_exists(self, rel: str) -> bool:
        return (self.folder / rel).is_file()  # a link leading outside is refused by image_data

    def make_body(self, data, body_text, body_line, kind, file, path, *, variant=False) -> Body | None:
        self._images = []
        title = self.string(data, "title", file)
        fields: dict = {}
        line = lambda key: yamlfile.line_of(data, key)  # noqa: E731
        if kind == "text":
            if not body_text.strip():
                self.findings.append(finding("c-010", "the section has no text",
                                             source=SourceRef(file, body_line or 1)))
            fields["html"] = self.markdown(body_text, file, body_line)
        elif kind == "disclaimer":
            fields["html"] = self.markdown(self.string(data, "text", file), file, line("text"))
        elif kind == "faq":
            fields["questions"] = self.questions(data, file)
        elif kind == "crisis":
            signs = data.get("signs") or []
            if not isinstance(signs, list) or not all(isinstance(s, str) and s.strip() for s in signs):
                self.findings.append(finding("c-012", "'signs' must be a list of sentences",
                                             source=SourceRef(file, line("signs"))))
                signs = []
            fields.update(
                intro_html=self.markdown(self.string(data, "intro", file), file, line("intro")),
                signs=tuple(s.strip() for s in signs),
                crisis_title=self.string(data, "crisis_title", file) or "If you are in crisis",
                crisis_html=self.markdown(self.string(data, "crisis", file), file, line("crisis")),
                outro_html=self.markdown(self.string(data, "outro", file), file, line("outro")),
            )
        text = translations.text_fields(kind, data, body_text, KIND_FIELDS[kind])
        return Body(title=title, images=tuple(self._images), source=SourceRef(file, 1),
                    fingerprint=translations.fingerprint(text), **fields)

    def questions(self, data, file) -> tuple[Question, ...]:
        items = data.get("questions") or []
        if not isinstance(items, list) or not items:
            self.findings.append(finding("c-010", "'questions' must list at least one question",
                                         source=SourceRef(file, yamlfile.line_of(data, "questions"))))
            return ()
        questions = []
        for item in items:
            if not isinstance(item, dict):
                self.findings.append(finding("c-012", "each question needs 'question:' and 'answer:'",
                                             source=SourceRef(file, yamlfile.line_of(data, "questions"))))
                continue
            self.findings += yamlfile.check_keys(item, known={"question", "answer"},
                                                 required=("question", "answer"), file=file)
            if item.get("question") and item.get("answer"):
                questions.append(Question(
                    question=self.string(item, "question", file),
                    answer_html=self.markdown(self.string(item, "answer", file), file,
                                              yamlfile.line_of(item, "answer"))))
        return tuple(questions)

    # -- whole topic -------------------------------------------------------------------
    def check_topic(self, sections, topic_file: Path) -> None:
        seen: dict[str, Section] = {}
        for top in sections:
            for section in top.walk():
                if section.id in seen:
                    first = seen[section.id].source
                    self.findings.append(finding(
                        "c-004", f"section id '{section.id}' is used twice (first in {first.file} line {first.line})",
                        source=section.source))
                seen.setdefault(section.id, section)
        for target, where in self._links:
            if target not in seen:
                near = difflib.get_close_matches(target, list(seen), n=3)
                hint = (f"Did you mean {', '.join('#' + n for n in near)}? " if near else "") + \
                    "`publish list` shows the section ids."
                self.findings.append(finding("c-007", f"link to '#{target}', which is no section id",
                                             source=where, hint=hint))
        for kind in SAFETY_KINDS:
            if not any(s.kind == kind and "patient" in s.required_for for s in seen.values()):
                self.findings.append(finding(
                    "c-008", f"the topic has no required '{kind}' section",
                    source=SourceRef(self.rel(topic_file))))
