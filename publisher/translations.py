"""Translations as data: files beside the texts they translate (docs/CONTENT.md, "Translations").

    sections/02-what-is.patient.md        the text (here: the patient variant)
    sections/02-what-is.patient.es.md     its Spanish translation
    topic.es.yaml                         topic.yaml's title, subtitle and summary in Spanish
    ../editions.es.yaml, ../clinic.es.yaml   edition titles and the clinic profile's texts

A file name's last dotted part before the extension is a language tag (2 or 3 letters,
optionally a region: es, es-MX, ar); a variant name (patient, clinician) is longer. Each
translation records the file it translates and the fingerprint of that file's text
(`translation: source, source_fingerprint`), and its review status (`draft` until a named
reviewer and a date are recorded). Adding a language is adding files: no code knows any
language.

This module reads the translation files (with the reader's own checks, so a translation is
held to every rule its source is) and puts a topic into another language (`localize`). It
decides nothing about which outputs are built: `project` asks it which editions a language
covers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import yamlfile
from .findings import Finding, Severity, finding, shown_path
from .model import Body, Edition, Section, SourceRef, Topic, TopicText, Translation

if TYPE_CHECKING:
    from .clinic import Clinic

#: A language tag as the last dotted part of a file name: es, es-MX, ar, zh-Hant-TW.
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
HEADER_FIELDS = {"source", "source_fingerprint", "status", "reviewer", "reviewed"}
STATUSES = ("draft", "reviewed")
TOPIC_TEXT_FIELDS = ("title", "subtitle", "summary")
#: Right-to-left scripts, by the language subtag (CLDR's character order; Babel says the same).
_RTL_FALLBACK = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"}


def split_name(path: Path) -> tuple[str, str, str]:
    """'02-x.patient.es.md' -> ('02-x', 'patient', 'es'); '02-x.es.md' -> ('02-x', '', 'es');
    '02-x.patient.md' -> ('02-x', 'patient', '')."""
    stem, *rest = Path(path).stem.split(".")
    lang = rest.pop() if rest and LANG_RE.match(rest[-1]) else ""
    return stem, (rest[0] if rest else ""), lang


def is_translation(path: Path) -> bool:
    return bool(split_name(path)[2])


def primary(lang: str) -> str:
    """'es-MX' -> 'es'."""
    return lang.split("-")[0].lower()


def same_language(a: str, b: str) -> bool:
    """'en' names 'en-US' (a --lang on the command line names a language, not a region)."""
    a, b = a.lower(), b.lower()
    return a == b or primary(a) == b or a == primary(b)


def is_rtl(lang: str) -> bool:
    """Whether the language is written right to left (CLDR character order, via Babel)."""
    try:
        from babel import Locale
        return Locale.parse(lang, sep="-").character_order == "right-to-left"
    except Exception:  # noqa: BLE001 - an unknown tag: fall back to the known RTL languages
        return primary(lang) in _RTL_FALLBACK


def _norm(value):
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value


def fingerprint(fields: dict) -> str:
    """The fingerprint of a text: SHA-256 (first 16 hex digits) of its words, field by field.
    Spacing and line breaks do not count; every word, number and punctuation mark does."""
    canonical = json.dumps(_norm(fields), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def text_fields(kind: str, data: dict, body_text: str, kind_fields) -> dict:
    """The translatable text of a section file: its title, its body, its structured fields."""
    fields = {"title": data.get("title")}
    if kind == "text":
        fields["body"] = body_text
    for key in sorted(kind_fields):
        if key in data:
            fields[key] = data[key]
    return fields


# --- reading ----------------------------------------------------------------------------

def read_header(reader, data, *, file: Path, lang: str, source_file: Path, current: str) -> Translation | None:
    """The `translation:` block of a translation file, checked."""
    block = data.pop("translation", None)
    where = SourceRef(file, yamlfile.line_of(data) or 1)
    if not isinstance(block, dict):
        reader.findings.append(finding(
            "i-002", "the translation has no 'translation:' block", source=where,
            hint=f"Add translation: with source: {source_file.name}, source_fingerprint: {current} "
                 "and status: draft."))
        return None
    at = lambda key: SourceRef(file, yamlfile.line_of(block, key) or where.line)  # noqa: E731
    reader.findings += yamlfile.check_keys(block, known=HEADER_FIELDS, required=("source", "source_fingerprint", "status"),
                                           file=file)
    source = str(block.get("source") or "").strip()
    if source and source != source_file.name:
        reader.findings.append(finding(
            "i-002", f"the translation says it translates '{source}', but its name says '{source_file.name}'",
            source=at("source"), hint="Name the file <source name without extension>.<language>.<extension>."))
    status = str(block.get("status") or "draft")
    if status not in STATUSES:
        reader.findings.append(finding("i-002", f"status '{status}' is unknown", source=at("status"),
                                       hint="Use draft, or reviewed with reviewer: and reviewed: (a date)."))
    reviewer = str(block.get("reviewer") or "").strip()
    reviewed = block.get("reviewed")
    if reviewed is not None and not isinstance(reviewed, dt.date):
        try:
            reviewed = dt.date.fromisoformat(str(reviewed).strip())
        except ValueError:
            reader.findings.append(finding("c-009", f"'reviewed: {reviewed}' is not a date", source=at("reviewed")))
            reviewed = None
    if status == "reviewed" and not (reviewer and reviewed):
        reader.findings.append(finding(
            "i-002", "a reviewed translation needs the reviewer's name and the review date", source=at("status"),
            hint="Add reviewer: (the qualified translator who checked it) and reviewed: YYYY-MM-DD, "
                 "or keep status: draft."))
        status = "draft"
    recorded = str(block.get("source_fingerprint") or "").strip()
    return Translation(language=lang, file=file, source=source_file, recorded=recorded, current=current,
                       status=status if status in STATUSES else "draft", reviewer=reviewer, reviewed=reviewed)


def read_section_translations(reader, main: Path, section: Section, variants: dict[str, Body],
                              files: list[Path], kind_fields: dict) -> dict[str, dict[str, Body]]:
    """The translations of one section (of its main text and of each variant), from the
    files beside it: {language: {variant or "": body}}."""
    found: dict[str, dict[str, Body]] = {}
    for path in files:
        stem, variant, lang = split_name(path)
        if stem != main.stem:
            continue
        source = section.body if not variant else variants.get(variant)
        source_path = main if not variant else main.with_name(f"{main.stem}.{variant}{_suffix_of(main, variant)}")
        file = reader.rel(path)
        if source is None:
            reader.findings.append(finding("i-004", f"'{path.name}' translates the variant '{variant}', "
                                                    f"which '{main.name}' does not have", source=SourceRef(file)))
            continue
        body = read_translated_body(reader, path, section.kind, source, shown_source=reader.rel(source_path),
                                    lang=lang, kind_fields=kind_fields)
        if body is not None:
            found.setdefault(lang, {})[variant] = body
    return found


def _suffix_of(main: Path, variant: str) -> str:
    """A variant file's extension: the main file's, or .yaml/.yml beside a structured section."""
    for suffix in (main.suffix, ".yaml", ".yml", ".md"):
        if main.with_name(f"{main.stem}.{variant}{suffix}").exists():
            return suffix
    return main.suffix


def read_translated_body(reader, path: Path, kind: str, source: Body, *, shown_source: Path, lang: str,
                         kind_fields: dict) -> Body | None:
    """One translation file -> a Body in that language, checked like its source."""
    data, body_text, body_line = reader.front(path)
    if data is None:
        return None
    file = reader.rel(path)
    translation = read_header(reader, data, file=file, lang=lang, source_file=shown_source,
                              current=source.fingerprint)
    reader.findings += yamlfile.check_keys(data, known={"title"} | kind_fields[kind], required=("title",), file=file)
    # A translation carries every text its source shows: English must not slip into it.
    needed = {"text": (), "disclaimer": ("text",), "faq": ("questions",),
              "crisis": ("signs", "crisis_title", "crisis")}[kind]
    extra = [k for k, shown in (("intro", source.intro_html), ("outro", source.outro_html)) if shown and kind == "crisis"]
    for key in (*needed, *extra):
        if key not in data:
            reader.findings.append(finding("i-002", f"the translation lacks '{key}', which its source has",
                                           source=SourceRef(file, 1),
                                           hint=f"Translate '{key}' of {shown_source} into this file."))
    if kind == "crisis" and "signs" in data and isinstance(data["signs"], list) \
            and len(data["signs"]) != len(source.signs):
        reader.findings.append(finding("i-002", f"the translation lists {len(data['signs'])} warning signs; "
                                                f"its source lists {len(source.signs)}",
                                       source=SourceRef(file, yamlfile.line_of(data, "signs")),
                                       hint="Translate every warning sign, one for one: none may be dropped."))
    body = reader.make_body(data, body_text, body_line, kind, file, path, variant=True)
    if body is None or translation is None:
        return None
    return replace(body, language=lang, translation=translation)


def read_topic_translations(reader, folder: Path, meta: dict | None) -> dict[str, TopicText]:
    """topic.<lang>.yaml files: the title, subtitle and summary in each language."""
    texts: dict[str, TopicText] = {}
    if meta is None:
        return texts
    current = fingerprint({k: meta.get(k) or "" for k in TOPIC_TEXT_FIELDS})
    for path in sorted(folder.glob("topic.*.yaml")):
        _, _, lang = split_name(path)
        if not lang:
            continue
        text = reader.text_of(path)
        file = reader.rel(path)
        data = reader.yaml_of(text, SourceRef(file, 1)) if text is not None else None
        if not isinstance(data, dict):
            if text is not None and data is not None:
                reader.findings.append(finding("c-012", "expected 'field: value' lines", source=SourceRef(file, 1)))
            continue
        translation = read_header(reader, data, file=file, lang=lang,
                                  source_file=reader.rel(folder / "topic.yaml"), current=current)
        reader.findings += yamlfile.check_keys(data, known=set(TOPIC_TEXT_FIELDS), required=("title",), file=file)
        for key in ("subtitle", "summary"):
            if meta.get(key) and key not in data:
                reader.findings.append(finding("i-002", f"the translation lacks '{key}', which topic.yaml has",
                                               source=SourceRef(file, 1)))
        if translation is not None:
            texts[lang] = TopicText(**{k: str(data.get(k) or "").strip() for k in TOPIC_TEXT_FIELDS},
                                    translation=translation)
    return texts


def check_orphans(reader, files: list[Path], main_stems: set[str]) -> None:
    for path in files:
        if split_name(path)[0] not in main_stems:
            reader.findings.append(finding("i-004", f"'{path.name}' translates no section file beside it",
                                           source=SourceRef(reader.rel(path)),
                                           hint="Name it after the file it translates: <that name>.<language>.md."))


# --- languages of a topic, and a topic in another language -----------------------------

def languages(topic: Topic) -> list[str]:
    """The topic's own language first, then every language it has a translation in."""
    found = set(topic.translations)
    for section in topic.all_sections():
        found |= set(section.translations)
    return [topic.language] + sorted(found - {topic.language})


def find_language(topic: Topic, asked: str) -> str | None:
    """The topic's language tag that `asked` names ('en' -> 'en-US'), else None."""
    for lang in languages(topic):
        if lang.lower() == asked.lower():
            return lang
    return next((lang for lang in languages(topic) if same_language(lang, asked)), None)


def _shown(section: Section, variant: str | None) -> str:
    """Which text of a section an edition with this variant shows: the variant's or the main one."""
    return variant if variant and variant in section.variants else ""


def missing_texts(doc_sections, topic: Topic, edition: Edition, lang: str) -> list[str]:
    """Ids of the sections of an (English) selection with no translation into `lang` of the
    text the edition shows, plus 'topic.yaml' when the topic's title is not translated."""
    if lang == topic.language:
        return []
    by_id = {s.id: s for s in topic.all_sections()}
    missing = [] if lang in topic.translations else ["topic.yaml"]
    for selected in doc_sections:
        section = by_id[selected.id]
        if _shown(section, edition.variant) not in section.translations.get(lang, {}):
            missing.append(selected.id)
    return missing


def localize(topic: Topic, lang: str) -> Topic:
    """The topic in `lang`: every section's text replaced by its translation where there is
    one. Check `missing_texts` first: a section without one keeps its own text here."""
    if lang == topic.language:
        return topic

    def section_in(section: Section) -> Section:
        texts = section.translations.get(lang, {})
        variants = {name: texts[name] for name in section.variants if name in texts}
        return replace(section, body=texts.get("", section.body), variants=variants,
                       children=tuple(section_in(c) for c in section.children))

    text = topic.translations.get(lang)
    return replace(topic, title=text.title if text else topic.title,
                   subtitle=text.subtitle if text else topic.subtitle,
                   summary=text.summary if text else topic.summary,
                   language=lang, source_language=topic.language,
                   sections=tuple(section_in(s) for s in topic.sections))


def used_translations(doc) -> tuple[Translation, ...]:
    """The translations a selected document shows (topic.yaml's first), each once."""
    used = []
    text = doc.topic.translations.get(doc.topic.language) if doc.topic.source_language else None
    if text is not None:
        used.append(text.translation)
    for section in doc.all_sections():
        if section.body.translation is not None and section.body.translation not in used:
            used.append(section.body.translation)
    return tuple(used)


def is_draft(doc) -> bool:
    """The output shows a translation that no qualified reviewer has checked yet."""
    docs = [doc] + ([doc.parallel] if getattr(doc, "parallel", None) is not None else [])
    return any(t.draft for d in docs for t in used_translations(d))


def stale_findings(doc, *, allow_stale: bool = False, output: str = "") -> list[Finding]:
    """i-001 for every translation the output shows whose source text changed after it was
    translated: an error in a patient-facing output (unless allowed), else a warning."""
    patient = doc.edition.audience == "patient"
    severity = Severity.ERROR if patient and not allow_stale else Severity.WARNING
    docs = [doc] + ([doc.parallel] if doc.parallel is not None else [])
    found = []
    for d in docs:
        for t in used_translations(d):
            if not t.stale:
                continue
            found.append(Finding(
                "i-001", f"{t.file} is a stale translation: {t.source} changed after it was translated"
                         + (f" (used by {output})" if output else ""),
                severity, str(t.file), None,
                f"Bring the translation in line with {t.source}, then set its translation: "
                f"source_fingerprint: {t.current} (it records {t.recorded or 'none'})"
                + ("; or build with --allow-stale-translations." if patient else ".")))
    return found


# --- edition titles and the clinic profile in another language ---------------------------

def edition_titles(editions_file: Path, lang: str) -> dict[str, str]:
    """editions.<lang>.yaml beside editions.yaml: {edition id: title in that language}."""
    for path in _beside(Path(editions_file), lang):
        text, _ = yamlfile.read_text(path, shown_path(path))
        data, _ = yamlfile.load(text or "", SourceRef(shown_path(path), 1))
        if isinstance(data, dict):
            return {str(k): str(v.get("title", "")) for k, v in data.items() if isinstance(v, dict) and v.get("title")}
    return {}


def localize_clinic(clinic: Clinic, lang: str) -> Clinic:
    """The clinic profile with the texts of clinic.<lang>.yaml beside it (name, address,
    logo_alt, the crisis resources' names and notes); phone numbers and addresses on the web
    are the profile's own. Without that file, the profile as written."""
    if clinic.source is None:
        return clinic
    for path in _beside(Path(clinic.source), lang):
        text, _ = yamlfile.read_text(path, shown_path(path))
        data, _ = yamlfile.load(text or "", SourceRef(shown_path(path), 1))
        if not isinstance(data, dict):
            continue
        resources = list(clinic.crisis_resources)
        for i, item in enumerate(data.get("crisis_resources") or []):
            if i < len(resources) and isinstance(item, dict):
                resources[i] = replace(resources[i], name=str(item.get("name") or resources[i].name),
                                       note=str(item.get("note") or resources[i].note))
        return replace(clinic, **{k: str(data[k]).strip() for k in ("name", "address", "logo_alt") if data.get(k)},
                       crisis_resources=tuple(resources))
    return clinic


def _beside(path: Path, lang: str) -> list[Path]:
    """The translation of a file for `lang`: name.<lang>.yaml, else name.<primary>.yaml."""
    names = [f"{path.stem}.{lang}{path.suffix}", f"{path.stem}.{primary(lang)}{path.suffix}"]
    return [path.with_name(n) for n in dict.fromkeys(names) if path.with_name(n).is_file()]


def status_rows(topic: Topic, lang: str) -> list[tuple[str, str, str, str]]:
    """Every text of a topic and its translation into `lang`, for `publish translations`:
    (what, the source file, its fingerprint now, state) where state is 'missing',
    'stale (records X)', 'draft' or 'reviewed by NAME on DATE'."""
    def state(t: Translation | None) -> str:
        if t is None:
            return "missing"
        if t.stale:
            return f"stale (records {t.recorded or 'nothing'})"
        return "draft" if t.draft else f"reviewed by {t.reviewer} on {t.reviewed}"

    text = topic.translations.get(lang)
    topic_fp = text.translation.current if text else ""
    rows = [("topic.yaml", str(shown_path(topic.folder / "topic.yaml")), topic_fp or "-",
             state(text.translation if text else None))]
    for section in topic.all_sections():
        texts = section.translations.get(lang, {})
        for name, body in (("", section.body), *sorted(section.variants.items())):
            tr = texts.get(name)
            rows.append((section.id + (f" ({name})" if name else ""), str(body.source.file if body.source else ""),
                         body.fingerprint, state(tr.translation if tr else None)))
    return rows


# --- selecting in a language -------------------------------------------------------------

class TranslationMissing(Exception):
    """A selection asks for texts that have no translation into the language."""

    def __init__(self, topic: Topic, edition: Edition, lang: str, missing: list[str]):
        self.topic, self.edition, self.lang, self.missing = topic, edition, lang, missing
        super().__init__(f"'{edition.id}' of topic '{topic.id}' cannot be built in '{lang}': "
                         f"no translation of {', '.join(missing)}")

    def findings(self) -> list[Finding]:
        return [finding("i-003", str(self), source=SourceRef(shown_path(self.topic.folder)),
                        hint=f"Translate {', '.join(self.missing)} into '{self.lang}' (files beside them, "
                             f"see docs/CONTENT.md), or leave out --lang {self.lang}.")]


def select_in(topic: Topic, edition: Edition, lang: str, *, titles: dict[str, str] | None = None,
              section_ids=None, exclude=(), title: str | None = None):
    """select_sections, in `lang`: the topic's own texts, or their translations. Raises
    TranslationMissing naming every section (and topic.yaml) the selection shows that has no
    translation. `titles`: the edition titles in `lang` (editions.<lang>.yaml)."""
    from .select import select_sections
    english = select_sections(topic, edition, section_ids=section_ids, exclude=exclude, title=title)
    if lang == topic.language:
        return english
    missing = missing_texts(list(english.all_sections()), topic, edition, lang)
    if missing:
        raise TranslationMissing(topic, edition, lang, missing)
    local = replace(edition, title=(titles or {}).get(edition.id, edition.title))
    return select_sections(localize(topic, lang), local, section_ids=section_ids, exclude=exclude, title=title)


def select_bilingual(topic: Topic, edition: Edition, *, titles: dict[str, str] | None = None):
    """A bilingual edition: the selection in the topic's language, with the same selection in
    the edition's second language beside it (`parallel`)."""
    first = select_in(topic, edition, topic.language)
    second = select_in(topic, edition, find_language(topic, edition.bilingual) or edition.bilingual, titles=titles)
    return replace(first, parallel=second)


def plan(topic: Topic, editions, *, langs=None, titles_of=lambda lang: {}):
    """Every (edition, language) of a topic that can be built: -> (documents, skipped), where
    skipped lists (edition, language, missing ids) of those a language does not fully cover.
    `langs`: only these languages (None: all the topic has); a bilingual edition counts as
    its two languages."""
    wanted = [lang for lang in languages(topic)
              if langs is None or any(same_language(lang, asked) for asked in langs)]
    docs, skipped = [], []
    for edition in editions:
        if edition.bilingual:
            second = find_language(topic, edition.bilingual)
            if langs is not None and not any(same_language(x, topic.language) or (second and same_language(x, second))
                                             for x in langs):
                continue
            try:
                docs.append(select_bilingual(topic, edition, titles=titles_of(second or edition.bilingual)))
            except TranslationMissing as exc:
                skipped.append((edition, exc.lang, exc.missing))
            continue
        for lang in wanted:
            try:
                docs.append(select_in(topic, edition, lang, titles=titles_of(lang)))
            except TranslationMissing as exc:
                skipped.append((edition, lang, exc.missing))
    return docs, skipped
