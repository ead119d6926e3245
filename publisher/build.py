"""The orchestrator: read -> select -> render -> write -> verify, for every output asked for.

Everything is read and selected before anything is written, so a content error stops the
build before it can touch the output folder. Then every output is rendered, checked and
staged beside its target; only when all of them passed are they moved into place, so a
failed build replaces nothing. Problems are collected across files, topics and outputs
and reported together. No printing here: progress goes to a callback.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, OutputError, PublishError, TemplateError
from .findings import shown_path
from .model import Edition, Output, PageMap, SelectedDocument, Topic
from .output import OutputWriter, safe_target
from .pagenumbers.maps import carries_pages, is_page_source, make_page_map, page_sources, source_document
from .produce import BuildResult, RenderedOutput, lay_out_pages, render_one
from .runner import executor_for
# The project's names stay importable from here too (publish.py, summary, batch, tests).
from .project import (Project, build_timestamp, digital_path, load_editions, load_topics,  # noqa: F401
                      output_name, pdf_file_name, pick_editions)
from . import translations
from .select import select_sections
from .formats import FORMATS, format_of_path



#: How much `build` checks before a file is moved into place: "fast" runs our own checks
#: (PDF/UA conditions, EPUB and HTML structure, safety); "full" adds EPUBCheck, Ace and axe.
CHECK_LEVELS = ("fast", "full")


def build_editions(project: Project, *, topics=None, editions=None, out_dir: Path | None = None,
                   paper: str | None = None, clinic_file: Path | None = None,
                   topic_dirs=(), allow_overdue: bool = False, today: dt.date | None = None,
                   check: str = "fast", force: bool = False, jobs: int | None = 1, cache: bool = True,
                   langs=None, allow_stale_translations: bool = False,
                   progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into out_dir/<topic>/.

    All or nothing: if any output fails (template, checks, disk), no file is replaced.
    A topic past its next-review date stops the build (s-002) unless `allow_overdue`; its
    outputs then carry a "Review overdue" note. `check`: "fast" (our own checks) or "full"
    (also EPUBCheck, Ace and axe) before any file is moved into place.

    Incremental: an output whose inputs have not changed since it was built (see
    publisher/cache.py) is not rendered again; `force` renders everything, `cache=False`
    neither reads nor writes the cache. `jobs`: processes to render in (None: the machine's
    cores); the bytes are the same as a serial build's.

    Languages: every edition is built in every language the topic fully covers for it (its
    own, and each language it has translations in; see docs/CONTENT.md); `langs` chooses
    (e.g. ["es"]). An output that shows a stale translation (its English changed after it
    was translated) fails the build if it is for patients, unless `allow_stale_translations`."""
    from .cache import BuildCache, Inputs, cache_file
    from .verify.review import check_review, is_overdue
    if check not in CHECK_LEVELS:
        raise ValueError(f"check must be one of {CHECK_LEVELS}, not {check!r}")
    if check == "full":  # the full check asked for and not possible here: stop before anything is built
        from .verify.external import missing_for_full_check
        missing = missing_for_full_check()
        if missing:
            raise ChecksFailed(missing)
    out_dir = Path(out_dir or project.out_dir)
    today = today or dt.date.today()
    progress("1/4 reading content")
    all_editions, loaded, clinic = _read_everything(project, topics, topic_dirs, clinic_file)
    chosen = pick_editions(all_editions, editions)
    reviews = [f for t in loaded.values() for f in check_review(t, today=today, allow_overdue=allow_overdue)]
    if any(f.is_error for f in reviews):
        raise ChecksFailed(reviews)
    overdue = {t.id for t in loaded.values() if is_overdue(t, today)}
    progress("2/4 selecting sections")
    docs, skipped = plan_languages(project, loaded.values(), chosen, langs=langs)
    docs = [_with_paper(doc, paper) for doc in docs]
    stale = [f for doc in docs for f in translations.stale_findings(
        doc, allow_stale=allow_stale_translations, output=output_name(doc))]
    if any(f.is_error for f in stale):
        raise ChecksFailed(reviews + stale)
    stamps = {topic.id: build_timestamp(topic) for topic in loaded.values()}  # a bad SOURCE_DATE_EPOCH stops here
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    targets = _claim_all(writer, out_root, [output_name(doc) for doc in docs])
    result = BuildResult(findings=reviews + stale)
    result.skipped = skipped
    jobs_of = [RenderJob(doc=doc, clinic=clinic, project=project, name=str(shown_path(target)),
                         timestamp=stamps[doc.topic.id], digital=digital_path(doc.topic.id, all_editions),
                         review_overdue=doc.topic.id in overdue, check=check,
                         page_source=is_page_source(doc.edition, all_editions))
               for doc, target in zip(docs, targets)]
    # What is already built: the key of every output, compared with the cache's.
    store = BuildCache.load(cache_file(project.root, out_root)) if cache else None
    inputs = Inputs(project.layouts_dir, project.editions_file, clinic, options={"paper": paper, "check": check})
    keys = [_cache_key(inputs, job, all_editions, paper) for job in jobs_of]
    fresh = {i: store.fresh(output_name(docs[i]), keys[i], targets[i]) for i in range(len(docs))} \
        if store is not None and not force else {}
    stale = [i for i in range(len(docs)) if not fresh.get(i)]
    progress(f"3/4 rendering {len(stale)} file(s)" + (f", {len(docs) - len(stale)} up to date" if len(stale) < len(docs) else ""))
    problems: list = []
    failed: type[PublishError] | None = None
    staged: dict[int, Output] = {}
    rendered_of: dict[int, RenderedOutput] = {}
    try:
        for number, (i, outcome) in enumerate(_render_stale(
                jobs_of, stale, editions=all_editions, paper=paper, clinic=clinic, project=project, jobs=jobs,
                progress=progress), start=1):
            progress(f"    [{number}/{len(stale)}] {targets[i].relative_to(out_root)}")
            if isinstance(outcome, _Failed):
                result.findings += [f for f in outcome.result.findings if f not in result.findings]
                result.validations += outcome.result.validations
                problems += [f for f in outcome.findings if f not in problems]  # one template error, once
                failed = TemplateError if outcome.kind == "template" or failed is TemplateError else ChecksFailed
                continue
            rendered, sub = outcome
            result.findings += sub.findings
            result.validations += sub.validations
            writer.stage(targets[i], rendered.data)
            staged[i] = rendered.output(targets[i])
            rendered_of[i] = rendered
            if rendered.reading:
                result.readings.append((staged[i], docs[i].edition, rendered.reading))
        if failed is TemplateError:
            raise TemplateError(f"{len(problems)} template problem(s); no output was written or replaced",
                                problems)
        if failed is ChecksFailed:
            raise ChecksFailed(problems)
        progress("4/4 writing the files and the index")
        writer.commit()
    finally:
        writer.discard()  # whatever was staged and not moved into place
    for i, entry in fresh.items():
        if entry:
            staged[i] = Output(path=targets[i], topic=docs[i].topic.id, edition=docs[i].edition.id,
                               format=docs[i].edition.format, size=entry["size"], pages=entry["pages"],
                               grade=entry["grade"])
    result.outputs += [staged[i] for i in sorted(staged)]
    if store is not None:
        for i, rendered in rendered_of.items():
            whole = rendered.reading.whole if rendered.reading else None
            store.record(output_name(docs[i]), keys[i], rendered.data, pages=rendered.pages,
                         grade=rendered.reading.grade if whole else None, whole=whole.__dict__ if whole else None)
    # The index lists names and sizes: unchanged files and layout, unchanged index.
    index_key = inputs.index_key([(p.relative_to(out_root).as_posix(), p.stat().st_size)
                                  for p in index_files(out_root)])
    index = out_root / "index.html"
    if store is None or force or not store.fresh("index.html", index_key, index):
        write_index(project, out_dir, writer, check=check, result=result)
        if store is not None:
            store.record("index.html", index_key, index.read_bytes(), pages=None, grade=None)
    if store is not None:
        store.save()
    return result


def _cache_key(inputs, job: "RenderJob", editions: dict[str, Edition], paper: str | None) -> str:
    doc = job.doc
    extra = {"date": job.timestamp.isoformat(), "digital": job.digital, "overdue": job.review_overdue,
             "page_source": job.page_source}
    source_key = None
    if doc.edition.pages_from and doc.edition.pages_from in editions:
        # The EPUB's page numbers come from its printed edition's layout: key on that too.
        source = source_document(doc.topic, doc.edition.pages_from, editions, paper)
        source_key = inputs.key(source, name=output_name(source), extra={**extra, "page_source": True})
    return inputs.key(doc, name=output_name(doc), extra=extra, source_key=source_key)


@dataclass(frozen=True)
class RenderJob:
    """Everything one output's render needs; picklable, so it can run in another process."""

    doc: SelectedDocument
    clinic: Clinic
    project: Project
    name: str
    timestamp: dt.datetime
    digital: str | None
    review_overdue: bool
    check: str
    page_source: bool = False  # an EPUB takes its page numbers from this printed edition
    page_map: PageMap | None = None  # the page numbers this EPUB carries, laid out beforehand


@dataclass(frozen=True)
class _Failed:
    """A render that raised: what it found (exceptions are not sent between processes)."""

    kind: str  # "template" or "checks"
    findings: list
    result: BuildResult


def run_job(job: RenderJob):
    """Render one output (in this process or a worker). -> (RenderedOutput, BuildResult with
    its findings and validator runs) or _Failed."""
    sub = BuildResult()
    try:
        rendered = render_one(job.doc, clinic=job.clinic, project=job.project, name=job.name,
                              timestamp=job.timestamp, page_source=job.page_source, page_map=job.page_map,
                              digital=job.digital, review_overdue=job.review_overdue, check=job.check, result=sub)
    except (TemplateError, ChecksFailed) as exc:
        kind = "template" if isinstance(exc, TemplateError) else "checks"
        return _Failed(kind, list(exc.findings), sub)
    return rendered, sub


def run_layout(doc: SelectedDocument, clinic: Clinic, project: Project):
    """Lay out a printed edition in memory only (not asked for, or up to date): its page
    starts, or _Failed."""
    try:
        return lay_out_pages(doc, clinic=clinic, project=project)
    except (TemplateError, ChecksFailed) as exc:
        return _Failed("template" if isinstance(exc, TemplateError) else "checks", list(exc.findings), BuildResult())


def _render_stale(jobs_of: list[RenderJob], stale: list[int], *, editions: dict[str, Edition], paper: str | None,
                  clinic: Clinic, project: Project, jobs: int | None, progress: Callable[[str], None]):
    """Yield (index, outcome) for every stale output, in a fixed order whatever the timing.

    Phase 1 lays out the printed editions that EPUBs take page numbers from: a stale one is
    rendered as its own output, any other only laid out in memory; the outputs that need no
    page numbers start alongside. Phase 2 renders the EPUBs, each given its page map as a
    value. With jobs > 1 the jobs run in a process pool; the bytes are those of jobs=1."""
    docs = {i: jobs_of[i].doc for i in stale}
    sources = page_sources(docs.values(), editions, paper)
    position = {(doc.topic.id, doc.edition.id, doc.topic.language): i for i, doc in docs.items()}
    carrying = {i: carries_pages(doc, editions, paper) for i, doc in docs.items()}
    first = [position[key] for key in sources if key in position]
    rest = [i for i in stale if i not in first and carrying[i] is None]
    later = [i for i in stale if carrying[i] is not None]
    with executor_for(jobs, work=len(stale)) as pool:
        # Phase 1: the page sources first, then everything that needs no page numbers.
        if sources:
            progress(f"    laying out {len(sources)} printed edition(s) that EPUBs take page numbers from")
        laid_out = {key: pool.submit(run_layout, doc, clinic, project)
                    for key, doc in sources.items() if key not in position}
        own = {i: pool.submit(run_job, jobs_of[i]) for i in first}
        others = {i: pool.submit(run_job, jobs_of[i]) for i in rest}
        maps: dict[tuple[str, str, str], PageMap | _Failed] = {}
        for key, doc in sources.items():
            if key in position:
                outcome = own[position[key]].result()
                yield position[key], outcome
                # A printed edition that failed fails the build; its EPUB is not rendered.
                starts = _Failed("checks", [], BuildResult()) if isinstance(outcome, _Failed) else outcome[0].page_starts
            else:
                starts = laid_out[key].result()  # a failed layout is reported with its EPUBs
            maps[key] = starts if isinstance(starts, _Failed) else make_page_map(doc, starts, pdf_file_name)
        # Phase 2: the EPUBs, with the page maps as values.
        epubs = {i: pool.submit(run_job, replace(jobs_of[i], page_map=maps[carrying[i]]))
                 for i in later if isinstance(maps[carrying[i]], PageMap)}
        for i in rest:
            yield i, others[i].result()
        for i in later:
            yield i, epubs[i].result() if i in epubs else maps[carrying[i]]


def build_one(doc: SelectedDocument, target: Path, *, writer: OutputWriter, clinic: Clinic,
              project: Project, result: BuildResult, digital: str | None = None, check: str = "fast") -> Output:
    """One file on its own (a custom summary): render, check, then put it in place."""
    rendered = render_one(doc, clinic=clinic, project=project, name=str(shown_path(target)),
                          digital=digital, check=check, result=result)
    writer.write(target, rendered.data)
    output = rendered.output(target)
    if rendered.reading:
        result.readings.append((output, doc.edition, rendered.reading))
    return output


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
            raise EditionError(f"no topic has the language {', '.join(unknown)}; languages: {', '.join(sorted(known))}")
    titles = {}

    def titles_of(lang):
        if lang not in titles:
            titles[lang] = translations.edition_titles(project.editions_file, lang)
        return titles[lang]

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


def _with_paper(doc: SelectedDocument, paper: str | None) -> SelectedDocument:
    if paper is None or not FORMATS[doc.edition.format].paged:
        return doc
    return replace(doc, paper=paper)


def measure_built(project: Project, topic: Topic, edition: Edition, out_dir: Path | None = None):
    """The reading level of an edition's file already in the output folder, or None if it
    has not been built. Reads the file; renders nothing (so `publish list` stays fast)."""
    from .cache import BuildCache, cache_file
    doc = select_sections(topic, edition)
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
                result: BuildResult | None = None) -> Path:
    from .render import render_index
    from .verify import check_index
    files = index_files(out_dir)
    data = render_index(files, out_dir=Path(out_dir), layouts_dir=project.layouts_dir).encode("utf-8")
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


def check_built(project: Project, targets=(), *, out_dir: Path | None = None, topic_dirs=(),
                external: bool = True):
    """`publish check`: the checks on built files (see verify.outputs.check_paths)."""
    from .verify.outputs import check_paths
    return check_paths(targets, out_dir=Path(out_dir or project.out_dir), source_dir=project.source_dir,
                       editions=load_editions(project), topic_dirs=topic_dirs, external=external)
