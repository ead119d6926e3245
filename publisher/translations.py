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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import yamlfile
from .findings import Finding, Severity, finding, shown_path
from .model import Edition, Section, SourceRef, Topic, TopicText, Translation

if TYPE_CHECKING:
    from .clinic import Clinic

#: A language tag as the last dotted part of a file name: es, es-MX, ar, zh-Hant-TW.
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
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
        if data.get(key) is not None:  # a field left out and a field left empty are the same text
            fields[key] = data[key]
    return fields


# --- reading ----------------------------------------------------------------------------
# The reader (publisher/read.py) calls these; they read with its own functions, so a
# translation is checked like the file it translates.

def _header_table():
    from .fields import Field
    return {"source": Field(required=True, about="the name of the file it translates"),
            "source_fingerprint": Field(required=True, about="the fingerprint of that file's text "
                                                               "(`publish translations` shows it)"),
            "status": Field(required=True, about="draft, or reviewed with reviewer: and reviewed:"),
            "reviewer": Field(), "reviewed": Field(about="a date, YYYY-MM-DD")}


def read_header(data, *, file: Path, lang: str, source_file: Path, current: str
                ) -> tuple[Translation | None, list[Finding]]:
    """The `translation:` block of a translation file (taken out of `data`), checked."""
    from .fields import read_fields
    block = data.pop("translation", None)
    data.lines.pop("translation", None) if hasattr(data, "lines") else None
    where = SourceRef(file, yamlfile.line_of(data) or 1)
    if not isinstance(block, dict):
        return None, [finding("n-002", "the translation has no 'translation:' block", source=where,
                              hint=f"Add translation: with source: {source_file.name}, "
                                   f"source_fingerprint: {current} and status: draft.")]
    values, found = read_fields(block, _header_table(), file)
    at = lambda key: SourceRef(file, yamlfile.line_of(block, key) or where.line)  # noqa: E731
    source = values["source"] or ""
    if source and source != source_file.name:
        found.append(finding("n-002", f"the translation says it translates '{source}', but its name says "
                                      f"'{source_file.name}'", source=at("source"),
                             hint="Name the file <source name without extension>.<language>.<extension>."))
    status = values["status"] or "draft"
    if status not in STATUSES:
        found.append(finding("n-002", f"status '{status}' is unknown", source=at("status"),
                             hint="Use draft, or reviewed with reviewer: and reviewed: (a date)."))
        status = "draft"
    reviewer, reviewed = values["reviewer"] or "", None
    if values["reviewed"]:
        try:
            reviewed = dt.date.fromisoformat(values["reviewed"])
        except ValueError:
            found.append(finding("c-009", f"'reviewed: {values['reviewed']}' is not a date", source=at("reviewed")))
    if status == "reviewed" and not (reviewer and reviewed):
        found.append(finding("n-002", "a reviewed translation needs the reviewer's name and the review date",
                             source=at("status"),
                             hint="Add reviewer: (the qualified translator who checked it) and reviewed: YYYY-MM-DD, "
                                  "or keep status: draft."))
        status = "draft"
    return Translation(language=lang, file=file, source=source_file, recorded=values["source_fingerprint"] or "",
                       current=current, status=status, reviewer=reviewer, reviewed=reviewed), found


def read_topic_translations(topic, meta: dict | None) -> tuple[dict[str, TopicText], list[Finding]]:
    """topic.<lang>.yaml files beside topic.yaml -> ({language: TopicText}, findings)."""
    from .fields import Field, read_fields
    texts: dict[str, TopicText] = {}
    found: list[Finding] = []
    if meta is None:
        return texts, found
    current = fingerprint({k: meta.get(k) or "" for k in TOPIC_TEXT_FIELDS})
    folder = Path(topic.path)
    for path in sorted(folder.glob("topic.*.yaml")):
        _, _, lang = split_name(path)
        if not lang:
            continue
        problems = topic.outside(path)
        if problems:
            found += problems
            continue
        file = shown_path(path)
        data, problems = yamlfile.read_block(path, file, code="c-012", what=path.name)
        found += problems
        if data is None:
            continue
        translation, problems = read_header(data, file=file, lang=lang, source_file=shown_path(folder / "topic.yaml"),
                                            current=current)
        found += problems
        table = {"title": Field(required=True), "subtitle": Field(), "summary": Field()}
        needed = tuple(k for k in TOPIC_TEXT_FIELDS if meta.get(k))
        values, problems = read_fields(data, table, file, required=needed)
        found += [replace(f, code="n-002", message=f.message + ", which topic.yaml has") if f.code == "c-002" else f
                  for f in problems]
        if translation is not None:
            texts[lang] = TopicText(**{k: values[k] or "" for k in TOPIC_TEXT_FIELDS}, translation=translation)
    return texts, found


def orphans(files: list[Path], main_stems: set[str]) -> list[Finding]:
    """n-004 for translation files beside no section file of their name."""
    return [finding("n-004", f"'{path.name}' translates no section file beside it",
                    source=SourceRef(shown_path(path)),
                    hint="Name it after the file it translates: <that name>.<language>.md.")
            for path in files if split_name(path)[0] not in main_stems]


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
                   sections=tuple(section_in(s) for s in topic.sections),
                   # a work is cited by its own title: marked with its language, so it is read in it
                   references=tuple(replace(r, lang=r.lang or topic.language) for r in topic.references))


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
    """The output shows a translation that no qualified reviewer has checked yet: a draft,
    or a reviewed one whose source text changed since (built with --allow-stale-translations:
    nobody has reviewed it against the text it now stands for)."""
    docs = [doc] + ([doc.parallel] if getattr(doc, "parallel", None) is not None else [])
    return any(t.draft or t.stale for d in docs for t in used_translations(d))


def stale_findings(doc, *, allow_stale: bool = False, output: str = "") -> list[Finding]:
    """n-001 for every translation the output shows whose source text changed after it was
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
                "n-001", f"stale translation: {t.source} changed after it was translated"
                         + (f" (used by {output})" if output else ""),
                severity, str(t.file), None,
                f"Bring the translation in line with {t.source}, then set its translation: "
                f"source_fingerprint: {t.current} (it records {t.recorded or 'none'})"
                + ("; or build with --allow-stale-translations." if patient and not allow_stale else ".")))
    return found


# --- edition titles and the clinic profile in another language ---------------------------

def edition_titles(editions_file: Path, lang: str) -> dict[str, str]:
    """editions.<lang>.yaml beside editions.yaml: {edition id: title in that language}. Read
    once per process while the file is unchanged (a build and a batch ask once per output)."""
    for path in _beside(Path(editions_file), lang):
        stat = path.stat()
        titles = _edition_titles(path, stat.st_mtime_ns, stat.st_size)
        if titles is not None:
            return dict(titles)
    return {}


@lru_cache(maxsize=32)
def _edition_titles(path: Path, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...] | None:
    """The (edition id, title) pairs of one editions.<lang>.yaml, as it is at (mtime_ns, size);
    None if it holds no mapping (the next file beside editions.yaml is tried)."""
    text, _ = yamlfile.read_text(path, shown_path(path))
    data, _ = yamlfile.load(text or "", SourceRef(shown_path(path), 1))
    if not isinstance(data, dict):
        return None
    return tuple((str(k), str(v.get("title", ""))) for k, v in data.items() if isinstance(v, dict) and v.get("title"))


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


def clinic_language(clinic: Clinic, lang: str, own: str = "en") -> str:
    """The language of the clinic profile's words in an output in `lang`: "" when they are in
    that language (clinic.<lang>.yaml beside the profile, or the profile's own language),
    else `own`, the profile's language (clinic.yaml is written in English): templates then
    mark the clinic's name and address with it, so a reader's voice switches for them."""
    if same_language(lang, own) or (clinic.source is not None and _beside(Path(clinic.source), lang)):
        return ""
    return own


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
    topic_fp = fingerprint({k: getattr(topic, k) or "" for k in TOPIC_TEXT_FIELDS})
    rows = [("topic.yaml", str(shown_path(topic.folder / "topic.yaml")), topic_fp,
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

    def __init__(self, topic: Topic, edition: Edition, lang: str, missing: list[str], *, custom: bool = False):
        self.topic, self.edition, self.lang, self.missing = topic, edition, lang, missing
        what = (f"a {edition.audience or 'custom'} summary of topic '{topic.id}' cannot be made" if custom
                else f"'{edition.id}' of topic '{topic.id}' cannot be built")
        super().__init__(f"{what} in '{lang}': no translation of {', '.join(missing)}")

    def findings(self) -> list[Finding]:
        return [finding("n-003", str(self), source=SourceRef(shown_path(self.topic.folder)),
                        hint=f"Translate {', '.join(self.missing)} into '{self.lang}' (files beside them, "
                             f"see docs/CONTENT.md), or leave out --lang {self.lang}.")]


def select_in(topic: Topic, edition: Edition, lang: str, *, titles: dict[str, str] | None = None,
              section_ids=None, exclude=(), title: str | None = None):
    """select_sections, in `lang`: the topic's own texts, or their translations. Raises
    TranslationMissing naming every section (and topic.yaml) the selection shows that has no
    translation. `titles`: the edition titles in `lang` (editions.<lang>.yaml)."""
    from .select import select_sections
    english = select_sections(topic, edition, section_ids=section_ids, exclude=exclude, title=title)
    if lang == topic.language:  # a topic written in another language than editions.yaml's titles
        return replace(english, edition=replace(edition, title=titles[edition.id])) if (titles or {}).get(edition.id) \
            else english
    missing = missing_texts(list(english.all_sections()), topic, edition, lang)
    if missing:  # a selection by id is a custom summary, not the edition whose layout it takes
        raise TranslationMissing(topic, edition, lang, missing, custom=bool(section_ids or exclude))
    local = replace(edition, title=(titles or {}).get(edition.id, edition.title))
    return select_sections(localize(topic, lang), local, section_ids=section_ids, exclude=exclude, title=title)


def select_bilingual(topic: Topic, edition: Edition, *, titles: dict[str, str] | None = None):
    """A bilingual edition: the selection in the topic's language, with the same selection in
    the edition's second language beside it (`parallel`)."""
    first = select_in(topic, edition, topic.language)
    second = select_in(topic, edition, find_language(topic, edition.bilingual) or edition.bilingual, titles=titles)
    return replace(first, parallel=second)


def covered(topic: Topic, editions, lang: str) -> list[Edition]:
    """Those of `editions` (in their order) the topic can be built in `lang`: every text they
    show is translated (a bilingual edition: into its second language)."""
    docs, _ = plan(topic, editions, langs=[lang])
    built = {d.edition.id for d in docs if d.parallel is not None or same_language(d.topic.language, lang)}
    return [e for e in editions if e.id in built]


def plan(topic: Topic, editions, *, langs=None, titles_of=lambda lang: {}):
    """Every (edition, language) of a topic that can be built: -> (documents, skipped), where
    skipped lists (edition, language, missing ids) of those a language does not fully cover.
    `langs`: only these languages (None: all the topic has); a bilingual edition is built
    when its second language is among them (`--lang en` is the topic's language alone: an
    English-only build never reads, nor fails on, a Spanish translation)."""
    wanted = [lang for lang in languages(topic)
              if langs is None or any(same_language(lang, asked) for asked in langs)]
    docs, skipped = [], []
    for edition in editions:
        if edition.bilingual:
            second = find_language(topic, edition.bilingual)
            if langs is not None and not any(same_language(x, second or edition.bilingual) for x in langs):
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
