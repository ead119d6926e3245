"""The orchestrator: read -> select -> render -> write -> verify, for every output asked for.

Everything is read and selected before anything is written, so a content error stops the
build before it can touch the output folder. Every output that is not up to date (`cache`)
becomes a pure `job.Job`; the jobs run on `runner`'s executor in two phases (first the
printed editions that EPUBs take page numbers from, then those EPUBs with their page maps
as values), and `collect.Collector` stages each result beside its target and moves them
all into place only when every one passed, so a failed build replaces nothing. Problems
are collected across files, topics and outputs and reported together. No printing here:
progress goes to a callback.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .clinic import read_clinic
from .collect import BuildResult, Collector
from .errors import ChecksFailed, ContentError, OutputError
from .findings import shown_path
from .formats import FORMATS, format_of_path
from .job import CHECK_LEVELS, Job, JobResult, OutputOptions, run_job
from .model import Edition, Output, PageMap, SelectedDocument, SourceRef
from .output import OutputWriter, check_output_place, safe_target
from .pagenumbers.maps import carries_pages, is_page_source, make_page_map, page_sources, source_document
# The project's names stay importable from here too (publish.py, the web server, tests).
from .project import (Project, build_timestamp, digital_path, load_editions, load_topics,  # noqa: F401
                      output_name, pdf_file_name, pick_editions)
from .runner import executor_for, run_all
from . import translations

if TYPE_CHECKING:  # `publish check` only
    from .verify.outputs import CheckReport


@dataclass(frozen=True)
class BuildOptions:
    """What `build_editions` builds, and how (the options of `publish build`)."""

    topics: tuple[str, ...] = ()  #: topic ids to build; empty: all
    editions: tuple[str, ...] = ()  #: edition ids to build; empty: all
    out_dir: Path | None = None  #: default: the project's handouts/
    paper: str | None = None  #: "letter" or "a4" for every PDF; None: each edition's own
    clinic_file: Path | None = None  #: default: the project's source/clinic.yaml
    topic_dirs: tuple[Path, ...] = ()  #: more folders holding topics
    allow_overdue: bool = False  #: build topics past their review date (marked "Review overdue")
    today: dt.date | None = None  #: the date review dates are compared with; None: today
    check: str = "fast"  #: one of job.CHECK_LEVELS
    force: bool = False  #: render everything, even what the cache says is up to date
    jobs: int | None = 1  #: processes to render in; None: the machine's cores
    cache: bool = True  #: read and write the build cache
    langs: tuple[str, ...] = ()  #: languages to build; empty: every language a topic fully covers
    allow_stale_translations: bool = False  #: build patient outputs whose translation is out of date

    def __post_init__(self) -> None:
        if self.check not in CHECK_LEVELS:
            raise ValueError(f"check must be one of {CHECK_LEVELS}, not {self.check!r}")
        for name in ("topics", "editions", "topic_dirs", "langs"):  # a list given by a caller: kept as a tuple
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))


def build_editions(project: Project, options: BuildOptions | None = None, *,
                   progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into <out_dir>/<topic>/; returns the
    outputs, findings, reading levels and validator runs.

    All or nothing: if any output fails (template, checks, disk), no file is replaced. A
    topic past its next-review date stops the build (s-002) unless `allow_overdue`; its
    outputs then carry a "Review overdue" note. Incremental: an output whose inputs have not
    changed since it was built (see publisher/cache.py) is not rendered again.

    Languages: every edition is built in every language the topic fully covers for it (its
    own, and each language it has translations in; see docs/CONTENT.md); `langs` chooses
    (e.g. ("es",)). An output that shows a stale translation (its English changed after it
    was translated) fails the build if it is for patients, unless `allow_stale_translations`.

    Raises ContentError (content, editions or clinic profile), EditionError (unknown topic,
    edition or language), OutputError (output paths), ChecksFailed (review dates, stale
    translations, checks) or TemplateError; nothing is replaced then."""
    from .cache import BuildCache, Inputs, cache_file, font_cache_dir
    from .verify.review import check_review, is_overdue
    options = options or BuildOptions()
    paper, check = options.paper, options.check
    if check == "full":  # the full check asked for and not possible here: stop before anything is built
        from .verify.external import missing_for_full_check
        missing = missing_for_full_check()
        if missing:
            raise ChecksFailed(missing)
    out_dir = Path(options.out_dir or project.out_dir)
    today = options.today or dt.date.today()
    progress("1/4 reading content")
    all_editions, loaded, clinic = _read_everything(project, options.topics, options.topic_dirs, options.clinic_file)
    chosen = pick_editions(all_editions, options.editions, file=project.editions_file)
    reviews = [f for t in loaded.values() for f in check_review(t, today=today, allow_overdue=options.allow_overdue)]
    if any(f.is_error for f in reviews):
        raise ChecksFailed(reviews)
    overdue = {t.id for t in loaded.values() if is_overdue(t, today)}
    progress("2/4 selecting sections")
    docs, skipped = plan_languages(project, loaded.values(), chosen, langs=options.langs or None)
    docs = [_with_paper(doc, paper, all_editions) for doc in docs]
    outdated = [f for doc in docs for f in translations.stale_findings(
        doc, allow_stale=options.allow_stale_translations, output=output_name(doc))]
    if any(f.is_error for f in outdated):
        raise ChecksFailed(reviews + outdated)
    stamps = {topic.id: build_timestamp(topic) for topic in loaded.values()}  # a bad SOURCE_DATE_EPOCH stops here
    check_output_place(project.root, out_dir)
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    targets = _claim_all(writer, out_root, [output_name(doc) for doc in docs])
    font_cache = font_cache_dir(project.root) if options.cache else None
    digital: dict[tuple[str, str], str | None] = {}  # (topic, language): what its printed files' QR codes open
    for doc in docs:
        key = (doc.topic.id, doc.topic.language)
        if key not in digital:
            digital[key] = digital_path(doc.topic.id, all_editions, lang=doc.topic.language, topic=loaded[doc.topic.id])
    jobs = [Job(doc=doc, clinic=clinic, layouts=project.layouts_dir, name=str(shown_path(target)),
                options=OutputOptions(timestamp=stamps[doc.topic.id], digital=digital[doc.topic.id, doc.topic.language],
                                      review_overdue=doc.topic.id in overdue, check=check,
                                      page_source=is_page_source(doc.edition, all_editions),
                                      font_cache=font_cache))
            for doc, target in zip(docs, targets)]
    # What is already built: the key of every output, compared with the cache's.
    store = BuildCache.load(cache_file(project.root, out_root)) if options.cache else None
    inputs = Inputs(project.layouts_dir, project.editions_file, clinic, options={"paper": paper, "check": check})
    keys = [_cache_key(inputs, job, all_editions, paper) for job in jobs]
    fresh = {i: store.fresh(output_name(docs[i]), keys[i], targets[i]) for i in range(len(docs))} \
        if store is not None and not options.force else {}
    stale = [i for i in range(len(docs)) if not fresh.get(i)]
    progress(f"3/4 rendering {len(stale)} file(s)"
             + (f", {len(docs) - len(stale)} up to date" if len(stale) < len(docs) else ""))
    with Collector(writer) as collector:
        collector.result.findings += reviews + outdated
        def titles_of(lang: str) -> dict[str, str]:
            return translations.edition_titles(project.editions_file, lang)
        for number, (i, outcome) in enumerate(_render_stale(jobs, stale, editions=all_editions, paper=paper,
                                                            workers=options.jobs, progress=progress,
                                                            titles_of=titles_of), start=1):
            progress(f"    [{number}/{len(stale)}] {targets[i].relative_to(out_root)}")
            if collector.add(i, targets[i], docs[i], outcome) is not None and store is not None:
                whole = outcome.reading.whole if outcome.reading else None
                store.record(output_name(docs[i]), keys[i], outcome.data, pages=outcome.pages,
                             grade=outcome.grade, whole=whole.__dict__ if whole else None,
                             languages=[s.__dict__ for s in outcome.reading.languages] if outcome.reading else None,
                             levels=outcome.reading.levels() if outcome.reading else ())
        for i, entry in fresh.items():
            if entry:  # up to date: listed with the others, nothing written
                collector.add_existing(i, Output(path=targets[i], topic=docs[i].topic.id, edition=docs[i].edition.id,
                                                 format=docs[i].edition.format, size=entry["size"],
                                                 pages=entry["pages"], grade=entry["grade"],
                                                 language=docs[i].topic.language,
                                                 levels=tuple(tuple(x) for x in entry.get("levels") or ())))
        progress("4/4 writing the files and the index")
        result = collector.commit()
    result.skipped = skipped
    # The index lists names and sizes: unchanged files and layout, unchanged index.
    index_key = inputs.index_key([(p.relative_to(out_root).as_posix(), p.stat().st_size)
                                  for p in index_files(out_root)])
    index = out_root / "index.html"
    if store is None or options.force or not store.fresh("index.html", index_key, index):
        write_index(project, out_dir, writer, check=check, result=result, editions=all_editions, topics=loaded,
                    font_cache=font_cache)
        if store is not None:
            store.record("index.html", index_key, index.read_bytes(), pages=None, grade=None)
    if store is not None:
        store.save()
    return result


def _cache_key(inputs, job: Job, editions: dict[str, Edition], paper: str | None) -> str:
    """The key of one output (see cache.Inputs.key); an EPUB's includes its printed edition's."""
    doc, options = job.doc, job.options
    extra = {"date": options.timestamp.isoformat(), "digital": options.digital, "overdue": options.review_overdue,
             "page_source": options.page_source}
    source_key = None
    if doc.edition.pages_from and doc.edition.pages_from in editions:
        # The EPUB's page numbers come from its printed edition's layout: key on that too.
        source = source_document(doc.topic, doc.edition.pages_from, editions, paper)
        source_key = inputs.key(source, name=output_name(source), extra={**extra, "page_source": True})
    return inputs.key(doc, name=output_name(doc), extra=extra, source_key=source_key)


def _render_stale(jobs: list[Job], stale: list[int], *, editions: dict[str, Edition], paper: str | None,
                  workers: int | None, progress: Callable[[str], None],
                  titles_of: Callable[[str], dict[str, str]] = lambda lang: {}) -> Iterator[tuple[int, JobResult]]:
    """Yield (index, result) for every stale output, in a fixed order whatever the timing.

    Phase 1 lays out the printed editions that EPUBs take page numbers from: a stale one is
    rendered as its own output, any other is only laid out in memory; the outputs that need
    no page numbers start alongside. Phase 2 renders the EPUBs, each given its page map as a
    plain value. With workers > 1 the jobs run in a process pool; the bytes are those of a
    serial build. `titles_of(lang)`: the editions' titles in a language (editions.<lang>.yaml),
    for the printed edition an EPUB's pageBreakSource names."""
    docs = {i: jobs[i].doc for i in stale}
    sources = page_sources(docs.values(), editions, paper)
    own = {(doc.topic.id, doc.edition.id, doc.topic.language): i for i, doc in docs.items()}  # outputs, by key
    own = {key: own[key] for key in sources if key in own}  # ... that are page sources
    carrying = {i: carries_pages(doc, editions, paper) for i, doc in docs.items()}
    alongside = [i for i in stale if carrying[i] is None and i not in own.values()]
    epubs = [i for i in stale if carrying[i] is not None]
    with executor_for(workers, work=len(stale)) as pool:
        # Phase 1: lay out the printed editions that EPUBs take page numbers from.
        if sources:
            progress(f"    laying out {len(sources)} printed edition(s) that EPUBs take page numbers from")
        laid_out = run_all(pool, run_job, [jobs[own[key]] if key in own else
                                           _layout_job(jobs[next(i for i in epubs if carrying[i] == key)], doc)
                                           for key, doc in sources.items()])
        others = run_all(pool, run_job, [jobs[i] for i in alongside])
        maps: dict[tuple[str, str, str], PageMap | JobResult] = {}
        for (key, doc), (_, outcome) in zip(sources.items(), laid_out):
            if key in own:
                yield own[key], outcome
            if outcome.page_starts is not None:
                from . import i18n
                lang = doc.topic.language  # named in the EPUB's language
                maps[key] = make_page_map(doc, outcome.page_starts, pdf_file_name,
                                          words=i18n.gettext_for(jobs[0].layouts_dir(), lang),
                                          edition_title=titles_of(lang).get(doc.edition.id) if doc.topic.source_language
                                          else None)
            else:  # the EPUB fails with the layout's problems (or with its printed edition's, reported above)
                maps[key] = outcome if key not in own else JobResult(failure="checks")
        # Phase 2: the EPUBs, with the page maps as values.
        ready = [i for i in epubs if isinstance(maps[carrying[i]], PageMap)]
        rendered = run_all(pool, run_job, [replace(jobs[i], options=replace(jobs[i].options, page_map=maps[carrying[i]]))
                                           for i in ready])
        for (_, outcome), i in zip(others, alongside):
            yield i, outcome
        done = {ready[n]: outcome for n, outcome in rendered}
        for i in epubs:
            yield i, done[i] if i in done else maps[carrying[i]]


def _layout_job(epub: Job, doc: SelectedDocument) -> Job:
    """A job that only lays out the printed edition `doc`, for `epub`'s page numbers: with the
    options the printed file itself would have (date, QR code target, review note), so its
    pages are those of that file."""
    return replace(epub, doc=doc, name=output_name(doc),
                   options=replace(epub.options, page_source=True, layout_only=True, check="fast"))


def plan_languages(project: Project, topics, editions, *, langs=None):
    """The documents of every (topic, edition, language) to build, and what is not built
    because a language does not cover an edition: [(topic, edition, language, missing ids)].
    `langs` names languages no topic has: an EditionError."""
    from .errors import EditionError
    topics = list(topics)
    if langs:
        known = {lang for t in topics for lang in translations.languages(t)}
        unknown = [x for x in langs if not any(translations.same_language(k, x) for k in known)]
        if unknown:
            raise EditionError(f"no topic has the language {', '.join(unknown)}; languages: {', '.join(sorted(known))}",
                               code="u-007", source=SourceRef(shown_path(project.source_dir)))
    def titles_of(lang: str) -> dict[str, str]:  # read once a process (translations.edition_titles)
        return translations.edition_titles(project.editions_file, lang)

    docs, skipped = [], []
    for topic in topics:
        found, missing = translations.plan(topic, editions, langs=langs, titles_of=titles_of)
        docs += found
        skipped += [(topic, edition, lang, ids) for edition, lang, ids in missing]
    return docs, skipped


def _read_everything(project: Project, topics, topic_dirs, clinic_file):
    """Editions, topics and the clinic profile, with all their problems reported together."""
    problems, values = [], []
    for load in (lambda: load_editions(project), lambda: load_topics(project, topics, topic_dirs),
                 lambda: read_clinic(clinic_file or project.default_clinic)):
        try:
            values.append(load())
        except ContentError as exc:
            problems += exc.findings
            values.append(None)
    if problems:
        raise ContentError(problems)
    return values


def _claim_all(writer: OutputWriter, out_root: Path, names: list[str]) -> list[Path]:
    """Every output path, checked before anything is rendered; all problems together."""
    targets, problems = [], []
    for name in names:
        try:
            targets.append(writer.claim(safe_target(out_root, name)))
        except OutputError as exc:
            problems += exc.findings
    if problems:
        raise OutputError(f"{len(problems)} output path problem(s); nothing was written", problems)
    return targets


def _with_paper(doc: SelectedDocument, paper: str | None, editions: dict[str, Edition]) -> SelectedDocument:
    """`doc` on the build's paper (--paper): a printed edition, and an EPUB whose page numbers
    come from one (`pages_from`): its pages are those of that paper, so its file is named for
    it (<topic>-booklet-a4.epub beside <topic>-booklet.epub, as the PDFs are)."""
    if paper is None:
        return doc
    if FORMATS[doc.edition.format].paged:
        return replace(doc, paper=paper)
    source = editions.get(doc.edition.pages_from or "")
    if source is not None and source.paper and source.paper != paper:
        return replace(doc, paper=paper, edition=replace(doc.edition, paper=source.paper))
    return doc


def measure_built(project: Project, doc: SelectedDocument, out_dir: Path | None = None) -> tuple[Path, object]:
    """(path, reading level) of a document's file already in the output folder (an edition
    in one of the topic's languages, or a bilingual one: `translations.plan` gives them); the
    reading is None if it has not been built. Reads the file; renders nothing (so `publish
    list` stays fast)."""
    from .cache import BuildCache, cache_file
    out = Path(out_dir or project.out_dir)
    path = out / output_name(doc)
    if not path.is_file():
        return path, None
    # The build recorded the grade of the file it wrote: reading it needs no PDF parser.
    known = BuildCache.load(cache_file(project.root, out.resolve())).reading_of(output_name(doc), path)
    if known is not None:
        return path, known
    from .verify import readability
    return path, readability.measure(doc, path.read_bytes())


def index_files(out_dir: Path) -> list[Path]:
    """The built files handouts/index.html lists."""
    root = Path(out_dir).resolve()
    return sorted(p for p in Path(out_dir).glob("*/*") if format_of_path(p) is not None and p.is_file()
                  and root in p.resolve().parents)  # a link to a file elsewhere is not listed


def write_index(project: Project, out_dir: Path, writer: OutputWriter, *, check: str = "fast",
                result: BuildResult | None = None, editions: dict | None = None, topics: dict | None = None,
                font_cache: Path | None = None) -> Path:
    """Write <out_dir>/index.html, listing every built file, after its checks (and with
    check="full" the validators) passed; adds their findings and runs to `result`.
    `editions` and `topics` (as read for the build) give the files' titles and editions in
    words; `font_cache` keeps its font subsets (webfonts.py). Returns its path. Raises
    ChecksFailed (nothing written) or OutputError."""
    from .render import render_index
    from .verify import check_index
    files = index_files(out_dir)
    data = render_index(files, out_dir=Path(out_dir), layouts_dir=project.layouts_dir, editions=editions,
                        topics=topics, font_cache=font_cache).encode("utf-8")
    target = safe_target(out_dir, "index.html")
    findings = check_index(data, name=str(shown_path(target)))
    if check == "full" and not any(f.is_error for f in findings):
        from .verify.external import findings_of, validate_bytes
        runs = validate_bytes([(str(target), data)])
        findings += findings_of(runs)
        if result is not None:
            result.validations += runs
    if result is not None:
        result.findings += findings
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    return writer.write(target, data)


def check_built(project: Project, targets: Iterable[str | Path] = (), *, out_dir: Path | None = None,
                topic_dirs: Iterable[Path] = (), external: bool = True) -> "CheckReport":
    """`publish check`: the checks on built files (see verify.outputs.check_paths); returns
    the report. Raises EditionError when a target is neither a file nor a built topic."""
    from .verify.outputs import check_paths
    return check_paths(targets, out_dir=Path(out_dir or project.out_dir), source_dir=project.source_dir,
                       editions=load_editions(project), topic_dirs=topic_dirs, external=external)
