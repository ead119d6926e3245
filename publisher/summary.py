"""A custom summary: (topic, audience, section ids, format, options) -> one checked file.

Staff name the sections they want (`publish summary`, or a saved recipe YAML read by
`read_recipe`). The summary is an edition made on the fly from the printed edition of
its audience in editions.yaml (its variant, references, paper and page budget), so it
goes through the same select -> render -> write -> verify -> atomic write path as the
editions (`job.run_job`, then `collect.Collector`). Everything is read, selected and resolved before any file
is written: an unknown section id or a bad recipe stops it with nothing touched.
"""
from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from . import i18n, translations, yamlfile
from .fields import Field, fields_hint, read_fields
from .cache import SELECTION_FIELDS
from .collect import Collector
from .clinic import read_clinic
from .custom import custom_name, summary_edition  # noqa: F401 (summary_edition: this module's API too)
from .editions import PAPERS
from .errors import ChecksFailed, ContentError, EditionError
from .findings import finding, shown_path
from .model import AUDIENCES, N_, Edition, Output, SelectedDocument, SourceRef, Topic
from .job import Job, OutputOptions, run_job
from .output import OutputWriter, check_output_place, safe_target
from .project import Project, build_timestamp, digital_path, load_editions, load_topics
from .formats import BY_EXTENSION, FORMAT_NAMES, FORMATS

_IDS = "a list of section ids"
#: The fields of a summary recipe (what each holds is its `about`).
RECIPE_FIELDS = {
    "topic": Field(required=True, about="the topic id (folder name under source/)"),
    "audience": Field(required=True, about="patient or clinician"),
    "sections": Field("names", default=(), expected=_IDS,
                      about="'sections: [depression, exercise-and-neuroplasticity]' (see `publish list TOPIC`)"),
    "exclude": Field("names", default=(), expected=_IDS, about="'exclude: [faq]', the section ids to leave out"),
    "format": Field(about=f"one of: {', '.join(FORMAT_NAMES)}"),
    "title": Field(about="the document's title (default: the topic and the sections it contains)"),
    "clinic": Field(about="clinic profile YAML, relative to the recipe"),
    "large_print": Field("flag", default=False, about="large_print: true (or leave it out)"),
    "paper": Field(about="letter or a4"),
    "output": Field(about="file to write, relative to the output folder (handouts/)"),
    "lang": Field(about="the handout's language, e.g. es (default: the topic's own); every section must be translated"),
}
MAX_TITLE_SECTIONS = 5  # past this many, the title names the first ones and counts the rest


@dataclass(frozen=True)
class SummaryRequest:
    """What to build. From the command line, a recipe, or a recipe with options over it."""

    topic: str
    audience: str
    sections: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    format: str | None = None  # None: from the output's extension, else pdf
    title: str | None = None
    clinic: Path | None = None
    large_print: bool = False
    paper: str | None = None
    output: Path | None = None
    # Recipes are data that may travel between machines: their output stays inside the
    # output folder. A path typed on the command line is taken as given.
    output_in_out_dir: bool = False
    # The output names a folder (typed ending in "/"): the file gets its default name in it,
    # and the folder is made when the file is written (never for a request that fails).
    output_is_folder: bool = False
    lang: str | None = None  # None: the topic's own language


@dataclass
class SummaryResult:
    """What `build_summary` made: the file, its document and the safety sections it holds."""

    output: Output
    document: SelectedDocument
    required_titles: tuple[str, ...]  # the safety sections the audience requires (patients)
    added_titles: tuple[str, ...]  # those of them the selection did not name, so were added
    findings: list = field(default_factory=list)


def read_recipe(path: Path) -> SummaryRequest:
    """Read and check a recipe -> SummaryRequest.

    Raises ContentError with every problem, each naming the file, the line and what is
    expected: u-001 (not found, not a recipe, no sections), the reading checks every YAML
    file gets (c-001, c-011, c-020, c-021), c-002/c-003/c-012 fields, c-005 audience,
    c-015 an output outside the output folder.
    """
    path = Path(path)
    if not path.is_file():
        raise ContentError([finding("u-001", "recipe file not found", source=SourceRef(path),
                                    hint="Check the path given with --recipe: a recipe is a YAML file such as "
                                         "recipes/depression-and-exercise-large-print.yaml.")])
    data, found = yamlfile.read_block(path, path, code="u-001", what="a recipe")
    if data is None:
        raise ContentError([replace(f, hint=fields_hint(RECIPE_FIELDS)) if f.code == "u-001" else f for f in found])
    return recipe_request(data, source=path, base=path.parent)


def recipe_request(data: object, *, source: Path | str, base: Path | None,
                   fields: dict[str, Field] = RECIPE_FIELDS) -> SummaryRequest:
    """Check the fields of a recipe (read from YAML, or posted to `publish serve`) and make
    the request; raises ContentError with every problem, each naming `source` (and the
    line, for YAML). `base`: the folder a `clinic:` path is relative to (None: no clinic
    path is taken). `fields`: the field table (the server's has no `output`)."""
    path = Path(source)
    if not isinstance(data, dict):
        raise ContentError([finding("u-001", "a recipe is a list of 'field: value' lines",
                                    source=SourceRef(path, 1), hint=fields_hint(fields))])
    values, found = read_fields(data, fields, path)
    values = {**{k: spec.default for k, spec in RECIPE_FIELDS.items()}, **values}
    if isinstance(values["paper"], str):
        values["paper"] = values["paper"].strip().lower()  # "A4" is a4, as on the command line
    at = lambda key: SourceRef(path, yamlfile.line_of(data, key))  # noqa: E731
    for key, allowed, code in (("audience", AUDIENCES, "c-005"), ("format", FORMAT_NAMES, "c-012"),
                               ("paper", PAPERS, "c-012")):
        if values[key] is not None and values[key] not in allowed:
            found.append(finding(code, f"'{key}: {values[key]}' is not allowed", source=at(key),
                                 hint=f"Expected one of: {', '.join(allowed)}."))
    clinic, output = values["clinic"], values["output"]
    if output and (Path(output).is_absolute() or ".." in Path(output).parts):
        found.append(finding("c-015", f"'output: {output}' points outside the output folder", source=at("output"),
                             hint="Expected a path inside the output folder, e.g. output: neuroplasticity/custom/mood.pdf."))
    if not found and not values["sections"] and not values["exclude"]:
        found.append(finding("u-001", "the recipe names no sections", source=SourceRef(path, 1),
                             hint="Add sections: [id, ...] (or exclude: [id, ...]); `publish list TOPIC` shows the ids."))
    if found:
        raise ContentError(found)
    return SummaryRequest(topic=values["topic"], audience=values["audience"], sections=values["sections"],
                          exclude=values["exclude"], format=values["format"], title=values["title"],
                          clinic=(base / clinic) if clinic and base else None, large_print=values["large_print"],
                          paper=values["paper"], output=Path(output) if output else None,
                          output_in_out_dir=bool(output), lang=values.get("lang"))


def override(request: SummaryRequest, **options) -> SummaryRequest:
    """The request with the options that were given (not None, not empty) put over it."""
    given = {k: v for k, v in options.items() if v is not None and v != ()}
    if "output" in given:  # an output typed on the command line is taken as given
        given["output_in_out_dir"] = False
    elif "format" in given and request.output is not None and request.output.suffix:
        # A recipe rerun in another format: same name, that format's extension.
        given["output"] = request.output.with_suffix(FORMATS[given["format"]].extension)
    return replace(request, **given)


#: A title for sections only left out, per audience (words from the message catalogs).
_WITHOUT = {"patient": N_("%(topic)s: patient sections without %(sections)s"),
            "clinician": N_("%(topic)s: clinician sections without %(sections)s")}


def summary_title(topic: Topic, doc: SelectedDocument, *, sections: Iterable[str], exclude: Iterable[str],
                  words: gettext.NullTranslations | None = None) -> str:
    """'Topic: Section; Section' for chosen sections, 'Topic: <audience> sections without X'
    when sections are only left out. The titles are those the audience reads (variants), in
    the document's language; `words`: the message catalog of that language (i18n.translations),
    for the title's own words ("and 2 more sections"; English without it)."""
    words = words or gettext.NullTranslations()
    if sections:
        wanted = set(sections)
        titles = [s.body.title for s in doc.all_sections() if s.id in wanted]
        if len(titles) > MAX_TITLE_SECTIONS:
            more = len(titles) - MAX_TITLE_SECTIONS
            titles = titles[:MAX_TITLE_SECTIONS] + [
                words.ngettext("and %(count)d more section", "and %(count)d more sections", more) % {"count": more}]
        return f"{topic.title}: {'; '.join(titles)}"
    left_out = [s.body.title for s in topic.all_sections() if s.id in set(exclude)]
    return words.gettext(_WITHOUT[doc.edition.audience]) % {"topic": topic.title, "sections": "; ".join(left_out)}


def default_name(topic: Topic, request: SummaryRequest, fmt: str, paper: str | None = None) -> str:
    """<topic>/custom/<topic>-<audience>-<ids>[-large-print][-<paper>].<ext>, short enough for
    any disk (publisher/custom.py: `publish check` reads these names back). `paper`: a paper
    other than the edition's, which the name then says."""
    ids = [s.id for s in topic.all_sections() if s.id in set(request.sections)]
    name = custom_name(topic.id, request.audience, ids, request.exclude, request.large_print, fmt, paper=paper)
    if topic.source_language:  # in another language than the topic's own: the name says which
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}.{topic.language}{dot}{ext}"
    return name


def resolve_format(request: SummaryRequest) -> str:
    """The format asked for, else the output's extension, else PDF; the two must agree."""
    by_extension = {ext: f.name for ext, f in BY_EXTENSION.items()}
    suffix = request.output.suffix.lower() if request.output else ""
    if request.output is not None and request.output.name.lower() in by_extension:
        # "-o .pdf": a hidden file named ".pdf.pdf" is not what anybody meant.
        raise EditionError("the output has no name before its extension", code="u-005",
                           source=SourceRef(shown_path(request.output)),
                           hint=f"Give the file a name, e.g. handout{request.output.name.lower()}.")
    if suffix and suffix not in by_extension and not (request.output_in_out_dir is False and Path(request.output).is_dir()):
        # A file named .docx must not silently hold a PDF.
        raise EditionError(f"the output ends in {suffix}, which is not a format publish writes",
                           code="u-005", source=SourceRef(shown_path(request.output)),
                           hint=f"Name the file {', '.join(sorted(by_extension))} (or leave out the extension).")
    fmt = request.format or by_extension.get(suffix, "pdf")
    if suffix and suffix in by_extension and by_extension[suffix] != fmt:
        raise EditionError(f"the output ends in {suffix} but the format is {fmt}", code="u-005",
                           source=SourceRef(shown_path(request.output)),
                           hint=f"Give the file a name ending in {FORMATS[fmt].extension}, or leave out --format.")
    return fmt


def resolve_target(request: SummaryRequest, topic: Topic, fmt: str, out_dir: Path, paper: str | None = None) -> Path:
    """The file a summary is written to: the request's output (inside `out_dir` for a recipe,
    as typed on the command line), else a name made from its sections (and `paper`, when
    it is not the edition's) in `out_dir`. Raises OutputError for a recipe's output that
    leads out of `out_dir`."""
    output = request.output
    if output is None:
        return safe_target(out_dir, default_name(topic, request, fmt, paper))
    if request.output_in_out_dir:
        target = safe_target(out_dir, output)
    else:
        target = Path(output).expanduser().resolve()
        if target.is_dir() or request.output_is_folder:
            return target / Path(default_name(topic, request, fmt, paper)).name
    return target if target.suffix else target.with_suffix(FORMATS[fmt].extension)


def plan_summary(request: SummaryRequest, editions: dict[str, Edition], topic: Topic,
                 out_dir: Path, titles: dict[str, str] | None = None,
                 layouts_dir: Path | None = None) -> tuple[SelectedDocument, Path]:
    """The selected document of a request and the file it is written to (nothing rendered).
    `layouts_dir`: where the message catalogs are, for the words of the custom title and
    edition name in the request's language (without it, English)."""
    if not request.sections and not request.exclude:
        raise EditionError(f"no sections chosen for a summary of topic '{request.topic}'", code="u-006",
                           source=SourceRef(shown_path(topic.folder)),
                           hint=f"Name the sections to include with --section ID (or leave some out with --exclude "
                                f"ID); `publish list {request.topic}` shows the section ids.")
    check_title(request.title)
    fmt = resolve_format(request)
    edition = summary_edition(editions, audience=request.audience, fmt=fmt, large_print=request.large_print,
                              paper=request.paper)
    doc = select_in_language(request, topic, edition, titles=titles)
    words = i18n.translations(layouts_dir, doc.topic.language) if layouts_dir else gettext.NullTranslations()
    from .select import select_sections
    if [s.id for s in doc.all_sections()] == [s.id for s in select_sections(doc.topic, doc.edition).all_sections()]:
        # Exactly what the edition shows: the edition itself, under its own name (in the file's
        # language) and the topic's title; a title listing every section would only take room.
        base = editions[edition.id]
        name = (titles or {}).get(base.id, base.title) if doc.topic.source_language else base.title
        doc = replace(doc, edition=replace(doc.edition, title=name), title=request.title or doc.topic.full_title)
    else:
        # A custom file's edition name ("Custom patient handout") is the catalog's, in its language.
        doc = replace(doc, edition=replace(doc.edition, title=words.gettext(edition.title)),
                      title=request.title or summary_title(doc.topic, doc, sections=request.sections,
                                                           exclude=request.exclude, words=words))
    usual = summary_edition(editions, audience=request.audience, fmt=fmt, large_print=request.large_print).paper
    other_paper = doc.paper if FORMATS[fmt].paged and doc.paper and doc.paper != usual else None
    return doc, resolve_target(request, doc.topic, fmt, out_dir, other_paper)


_TITLE_HIDDEN = re.compile(f"[{yamlfile.HIDDEN}]")


def check_title(title: str | None) -> None:
    """Refuse a title (--title, a recipe's or a posted form's title:) that holds a direction
    control or zero-width character (c-023), as content text refuses them: U+202E can make a
    title read otherwise than it is written. Raises ContentError naming each character."""
    if not title:
        return
    found = [finding("c-023", f"the title (--title, or title: in a recipe) holds U+{ord(m.group(0)):04X} "
                              f"at character {m.start() + 1}: direction controls and invisible characters "
                              "are not allowed")
             for m in _TITLE_HIDDEN.finditer(title)]
    if found:
        raise ContentError(found[:yamlfile.MAX_HIDDEN_REPORTED])


def select_in_language(request: SummaryRequest, topic: Topic, edition: Edition, *, titles=None) -> SelectedDocument:
    """The request's sections in its language (`lang`, default the topic's own). A section
    the selection shows, the required safety sections included, without a translation into
    that language refuses the request with their ids (n-003)."""
    lang = topic.language
    if request.lang:
        lang = translations.find_language(topic, request.lang)
        if lang is None:
            message = (f"topic '{topic.id}' has no translation into '{request.lang}'; "
                       f"its languages: {', '.join(translations.languages(topic))}")
            raise EditionError(message, [finding("n-003", message, source=SourceRef(shown_path(topic.folder)))])
    try:
        return translations.select_in(topic, edition, lang, titles=titles, section_ids=request.sections or None,
                                      exclude=request.exclude)
    except translations.TranslationMissing as exc:
        raise EditionError(str(exc), exc.findings()) from None


def build_summary(project: Project, request: SummaryRequest, *, out_dir: Path | None = None,
                  topic_dirs: Iterable[Path] = (), allow_stale_translations: bool = False,
                  progress: Callable[[str], None] = lambda m: None) -> SummaryResult:
    """Build one custom file. Raises before writing anything if the request cannot be met."""
    out_dir = Path(out_dir or project.out_dir)
    progress("1/3 reading content")
    editions = load_editions(project)
    topic = load_topics(project, [request.topic], topic_dirs)[request.topic]
    clinic = read_clinic(request.clinic or project.default_clinic)
    progress("2/3 selecting sections")
    doc, target, stale = prepare_summary(project, request, editions, topic, out_dir,
                                         allow_stale_translations=allow_stale_translations)
    check_output_place(project.root, target.parent, what="the folder of the output", root_allowed=True)
    writer = OutputWriter(target.parent)
    writer.claim(target)
    digital = digital_path(topic.id, editions, lang=doc.topic.language, topic=topic)  # in the file's language
    job = Job(doc=doc, clinic=clinic, layouts=project.layouts_dir, name=str(shown_path(target)),
              options=OutputOptions(timestamp=build_timestamp(topic), digital=digital))
    progress(f"3/3 rendering {target.name}")
    with Collector(writer) as collector:
        collector.add(0, target, doc, run_job(job))
        result = collector.commit()
    record_selections(project, [(result.outputs[0].path, request)])
    required, added = safety_titles(doc)
    return SummaryResult(output=result.outputs[0], document=doc, required_titles=required,
                         added_titles=added, findings=stale + result.findings)


def record_selections(project: Project, written: Iterable[tuple[Path, SummaryRequest]]) -> None:
    """Record what each written custom file holds, by its bytes (cache.record_selection), so
    `publish check` knows it under any name (`recorded_request` reads it back)."""
    from .cache import record_selection
    for path, request in written:
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        record_selection(project.root, data, {name: getattr(request, name) for name in SELECTION_FIELDS})


def recorded_request(project_root: Path, data: bytes, path: Path) -> SummaryRequest | None:
    """The request a custom file with bytes `data` was made from, as `record_selections`
    recorded it; None if none was (or the record does not make a request)."""
    from .cache import recorded_selection
    fields = recorded_selection(project_root, data)
    if fields is None:
        return None
    try:
        return SummaryRequest(**fields, output=Path(path))
    except TypeError:
        return None


def prepare_summary(project: Project, request: SummaryRequest, editions: dict[str, Edition], topic: Topic,
                    out_dir: Path, *, allow_stale_translations: bool = False) -> tuple[SelectedDocument, Path, list]:
    """Everything before rendering, for `publish summary` and `publish serve` alike: the
    request's sections in its language (with the editions' titles in that language), the file
    it is written to, and the findings about stale translations (ChecksFailed if one is an
    error). Nothing is rendered or written."""
    doc, target = plan_summary(request, editions, topic, out_dir, titles=request_titles(project, request),
                               layouts_dir=project.layouts_dir)
    stale = translations.stale_findings(doc, allow_stale=allow_stale_translations, output=str(shown_path(target)))
    if any(f.is_error for f in stale):
        raise ChecksFailed(stale)
    return doc, target, stale


def request_titles(project: Project, request: SummaryRequest) -> dict[str, str] | None:
    """The editions' titles in the request's language (editions.<lang>.yaml), if it has one."""
    return translations.edition_titles(project.editions_file, request.lang) if request.lang else None


def safety_titles(doc: SelectedDocument) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The titles of the sections the document's audience always gets (the disclaimer and
    the crisis help for patients), and of those of them the selection had to add."""
    titles = {s.id: s.body.title for s in doc.all_sections()}
    audience = doc.edition.audience
    required = tuple(titles[s.id] for s in doc.topic.all_sections()
                     if audience in s.required_for and s.id in titles)
    return required, tuple(titles[i] for i in doc.added_required)
