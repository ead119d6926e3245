"""The orchestrator: read -> select -> render -> write -> verify, for every output asked for.

Everything is read and selected before anything is written, so a content error stops the
build before it can touch the output folder. Then every output is rendered, checked and
staged beside its target; only when all of them passed are they moved into place, so a
failed build replaces nothing. Problems are collected across files, topics and outputs
and reported together. No printing here: progress goes to a callback.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from . import config, read
from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, EditionError, OutputError, PublishError, TemplateError
from .findings import finding, shown_path
from .model import Edition, Output, SelectedDocument, SourceRef, Topic
from .output import OutputWriter, safe_target
from .select import select_sections
from .writers import EXTENSIONS, add_reading_level, get_writer

if TYPE_CHECKING:  # rendering (jinja2, and for PDFs weasyprint) is imported only when something is rendered
    from .pagemaps import PageMaps


@dataclass(frozen=True)
class Project:
    """Where a project's folders are."""

    root: Path

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def editions_file(self) -> Path:
        return self.source_dir / "editions.yaml"

    @property
    def default_clinic(self) -> Path:
        return self.source_dir / "clinic.yaml"

    @property
    def out_dir(self) -> Path:
        return self.root / "handouts"


#: How much `build` checks before a file is moved into place: "fast" runs our own checks
#: (PDF/UA conditions, EPUB and HTML structure, safety); "full" adds EPUBCheck, Ace and axe.
CHECK_LEVELS = ("fast", "full")


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)
    readings: list = field(default_factory=list)  # (Output, Edition, readability.Reading) per measured output
    validations: list = field(default_factory=list)  # verify.tools.ValidatorRun, with check="full"


def load_editions(project: Project) -> dict[str, Edition]:
    return config.read_editions(project.editions_file, project.layouts_dir)


def load_topics(project: Project, names=None, extra_dirs=()) -> dict[str, Topic]:
    """Read the named topics (default: all under source/ and extra_dirs); all errors together."""
    folders = read.find_topics(project.source_dir)
    for extra in extra_dirs:
        folders += read.find_topics(Path(extra)) if not (Path(extra) / "topic.yaml").exists() else [Path(extra)]
    # '.' or '..' get their real names; a linked topic folder keeps its link's name.
    folders = [Path(os.path.normpath(f.absolute())) for f in folders]
    by_name: dict[str, Path] = {}
    for folder in folders:
        other = by_name.setdefault(folder.name, folder)
        if other != folder:
            # Both would be built into <out>/<id>/<id>-*.*: one would overwrite the other.
            raise OutputError(f"two topics are called '{folder.name}'", [finding(
                "o-002", f"two topics are called '{folder.name}' ({shown_path(other)} and {shown_path(folder)}); "
                "their outputs would write the same files", source=SourceRef(shown_path(folder)),
                hint="Rename one of the topic folders.")])
    if names:
        missing = [n for n in names if n not in by_name]
        if missing:
            raise EditionError(f"unknown topic {', '.join(missing)}; topics: {', '.join(sorted(by_name)) or 'none'}")
        folders = [by_name[n] for n in names]
    topics, problems = {}, []
    for folder in folders:
        try:
            topics[folder.name] = read.read_topic(folder)
        except ContentError as exc:
            problems += exc.findings
    if problems:
        raise ContentError(problems)
    return topics


def pick_editions(all_editions: dict[str, Edition], names=None) -> list[Edition]:
    if not names:
        return list(all_editions.values())
    missing = [n for n in names if n not in all_editions]
    if missing:
        raise EditionError(f"unknown edition {', '.join(missing)}; editions: {', '.join(all_editions)}")
    return [all_editions[n] for n in dict.fromkeys(names)]  # naming one twice builds it once


def build_timestamp(topic: Topic, environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """The date written into outputs: SOURCE_DATE_EPOCH when set (reproducible-builds.org),
    else the topic's review date. Never the clock: same input, same bytes."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ContentError([finding("c-009", f"SOURCE_DATE_EPOCH='{epoch}' is not a date",
                                        hint="Set it to whole seconds since 1970-01-01 UTC, "
                                             "e.g. 1767225600, or unset it.")]) from None
    return dt.datetime.combine(topic.reviewed, dt.time(0, 0), dt.timezone.utc)


def output_name(doc: SelectedDocument) -> str:
    return edition_path(doc.topic.id, doc.edition)


def edition_path(topic_id: str, edition: Edition) -> str:
    """Where an edition of a topic lands, relative to the output folder."""
    return f"{topic_id}/{topic_id}-{edition.id}{EXTENSIONS[edition.format]}"


def digital_path(topic_id: str, editions: dict[str, Edition]) -> str | None:
    """The whole-topic web page (else EPUB) of a topic: what a printed handout's QR code opens."""
    for fmt in ("html", "epub"):
        for edition in editions.values():
            if edition.format == fmt and edition.audience is None:
                return edition_path(topic_id, edition)
    return None


def build_editions(project: Project, *, topics=None, editions=None, out_dir: Path | None = None,
                   paper: str | None = None, clinic_file: Path | None = None,
                   topic_dirs=(), allow_overdue: bool = False, today: dt.date | None = None,
                   check: str = "fast", force: bool = False, jobs: int | None = 1, cache: bool = True,
                   progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into out_dir/<topic>/.

    All or nothing: if any output fails (template, checks, disk), no file is replaced.
    A topic past its next-review date stops the build (s-002) unless `allow_overdue`; its
    outputs then carry a "Review overdue" note. `check`: "fast" (our own checks) or "full"
    (also EPUBCheck, Ace and axe) before any file is moved into place.

    Incremental: an output whose inputs have not changed since it was built (see
    publisher/cache.py) is not rendered again; `force` renders everything, `cache=False`
    neither reads nor writes the cache. `jobs`: processes to render in (None: the machine's
    cores); the bytes are the same as a serial build's."""
    from .cache import BuildCache, Inputs, cache_file
    from .pagemaps import PageMaps
    from .verify.review import check_review, is_overdue
    if check not in CHECK_LEVELS:
        raise ValueError(f"check must be one of {CHECK_LEVELS}, not {check!r}")
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
    docs = [_with_paper(select_sections(topic, edition), paper) for topic in loaded.values() for edition in chosen]
    stamps = {topic.id: build_timestamp(topic) for topic in loaded.values()}  # a bad SOURCE_DATE_EPOCH stops here
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    targets = _claim_all(writer, out_root, [output_name(doc) for doc in docs])
    result = BuildResult(findings=reviews)
    page_maps = PageMaps(all_editions, paper=paper, clinic=clinic, layouts_dir=project.layouts_dir,
                         file_name=pdf_file_name)
    jobs_of = [RenderJob(doc=doc, clinic=clinic, project=project, name=str(shown_path(target)),
                         timestamp=stamps[doc.topic.id], digital=digital_path(doc.topic.id, all_editions),
                         review_overdue=doc.topic.id in overdue, check=check, editions=all_editions, paper=paper)
               for doc, target in zip(docs, targets)]
    # What is already built: the key of every output, compared with the cache's.
    store = BuildCache.load(cache_file(project.root, out_root)) if cache else None
    inputs = Inputs(project.layouts_dir, project.editions_file, clinic, options={"paper": paper, "check": check})
    keys = [_cache_key(inputs, job, page_maps) for job in jobs_of]
    fresh = {i: store.fresh(output_name(docs[i]), keys[i], targets[i]) for i in range(len(docs))} \
        if store is not None and not force else {}
    stale = [i for i in range(len(docs)) if not fresh.get(i)]
    progress(f"3/4 rendering {len(stale)} file(s)" + (f", {len(docs) - len(stale)} up to date" if len(stale) < len(docs) else ""))
    problems: list = []
    failed: type[PublishError] | None = None
    staged: dict[int, Output] = {}
    rendered_of: dict[int, RenderedOutput] = {}
    try:
        for number, (i, outcome) in enumerate(_render_all(jobs_of, stale, page_maps, jobs), start=1):
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
                         grade=whole.fk_grade if whole else None, whole=whole.__dict__ if whole else None)
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


def pdf_file_name(doc: SelectedDocument) -> str:
    """The printed edition's file name, which an EPUB's page list names (pageBreakSource)."""
    return output_name(doc).rpartition("/")[2]


def _cache_key(inputs, job: "RenderJob", page_maps: "PageMaps") -> str:
    doc = job.doc
    extra = {"date": job.timestamp.isoformat(), "digital": job.digital, "overdue": job.review_overdue,
             "page_source": page_maps.is_source(doc.edition)}
    source_key = None
    if doc.edition.pages_from and doc.edition.pages_from in page_maps.editions:
        # The EPUB's page numbers come from its printed edition's layout: key on that too.
        source = page_maps.source_doc(doc.topic, doc.edition.pages_from)
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
    editions: dict
    paper: str | None


@dataclass(frozen=True)
class _Failed:
    """A render that raised: what it found (exceptions are not sent between processes)."""

    kind: str  # "template" or "checks"
    findings: list
    result: BuildResult


def run_job(job: RenderJob, known_maps: dict | None = None):
    """Render one output (in this process or a worker). -> (RenderedOutput, BuildResult with
    its findings and validator runs, the page maps it laid out) or (_Failed, ..., {})."""
    from .pagemaps import PageMaps
    page_maps = PageMaps(job.editions, paper=job.paper, clinic=job.clinic, layouts_dir=job.project.layouts_dir,
                         file_name=pdf_file_name, maps=dict(known_maps or {}))
    sub = BuildResult()
    try:
        rendered = render_one(job.doc, clinic=job.clinic, project=job.project, name=job.name,
                              timestamp=job.timestamp, page_maps=page_maps, digital=job.digital,
                              review_overdue=job.review_overdue, check=job.check, result=sub)
    except (TemplateError, ChecksFailed) as exc:
        kind = "template" if isinstance(exc, TemplateError) else "checks"
        return _Failed(kind, list(exc.findings), sub), page_maps.maps
    return (rendered, sub), page_maps.maps


def _render_all(jobs_of: list[RenderJob], stale: list[int], page_maps: "PageMaps", jobs: int | None):
    """Yield (index, outcome) for every stale output, in a deterministic order. A printed
    edition whose page numbers an EPUB carries is laid out first and only once; its EPUB
    waits for it. With jobs > 1 the independent outputs render in a process pool."""
    order = sorted(stale, key=lambda i: not page_maps.is_source(jobs_of[i].doc.edition))
    workers = min(os.cpu_count() or 1 if jobs is None else max(1, jobs), len(order))
    if workers <= 1:
        for i in order:
            outcome, maps = run_job(jobs_of[i], page_maps.maps)
            page_maps.maps.update(maps)
            yield i, outcome
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    def waits_for(i: int):
        """The stale printed edition this EPUB takes its page numbers from, if any."""
        doc = jobs_of[i].doc
        return next((j for j in order if doc.edition.pages_from == jobs_of[j].doc.edition.id
                     and jobs_of[j].doc.topic.id == doc.topic.id), None)

    waiting = {i: waits_for(i) for i in order}
    done: dict[int, object] = {}
    finished_ids: set[int] = set()
    position = 0  # results are handed on in the serial build's order, each as soon as it can be
    with ProcessPoolExecutor(max_workers=workers) as pool:
        running = {}

        def submit_ready():
            for i in [i for i in order if i in waiting and (waiting[i] is None or waiting[i] in finished_ids)]:
                del waiting[i]
                running[pool.submit(run_job, jobs_of[i], dict(page_maps.maps))] = i

        submit_ready()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                outcome, maps = future.result()
                page_maps.maps.update(maps)
                done[i] = outcome
                finished_ids.add(i)
            submit_ready()
            # Findings and progress do not depend on timing; staging starts before the last render ends.
            while position < len(order) and order[position] in done:
                yield order[position], done.pop(order[position])
                position += 1


@dataclass(frozen=True)
class RenderedOutput:
    """One output's final bytes, what its writer said, and its measured reading level."""

    doc: SelectedDocument
    data: bytes
    pages: int | None
    findings: list
    reading: object = None  # verify.readability.Reading, for editions with reading targets

    def output(self, target: Path) -> Output:
        return Output(path=target, topic=self.doc.topic.id, edition=self.doc.edition.id,
                      format=self.doc.edition.format, size=len(self.data), pages=self.pages,
                      grade=self.reading.whole.fk_grade if self.reading else None)


def render_edition(doc: SelectedDocument, **options):
    """render.render_edition, imported at first use: `publish list` and a no-op build need no jinja2."""
    from .render import render_edition as render
    return render(doc, **options)


def render_one(doc: SelectedDocument, *, clinic: Clinic, project: Project, name: str,
               timestamp: dt.datetime | None = None, page_maps: PageMaps | None = None,
               digital: str | None = None, review_overdue: bool = False, check: str = "fast",
               result: BuildResult | None = None) -> RenderedOutput:
    """Render, write to bytes, measure and check one output (nothing touches the disk).

    `digital`: the topic's digital version in the output folder (see `digital_path`). An
    edition with reading-level targets is measured on the written bytes, and the measured
    grade goes into the file's metadata before the checks run on the final bytes. Raises
    ChecksFailed if a check found an error."""
    from .verify import check_bytes, readability
    is_source = page_maps is not None and page_maps.is_source(doc.edition)
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir, block_ids=is_source,
                              page_map=page_maps.for_epub(doc) if page_maps else None, digital_path=digital,
                              review_overdue=review_overdue)
    write = get_writer(doc.edition.format)
    base = {"timestamp": timestamp or build_timestamp(doc.topic)}
    try:
        written = write(rendered, base)
    except ChecksFailed as exc:
        raise ChecksFailed(_naming(exc.findings, name, doc)) from None
    if is_source:
        page_maps.remember(doc, written.extra["page_starts"])
    reading = readability.measure(doc, written.data) if readability.has_targets(doc.edition) else None

    def final_bytes(options: dict) -> bytes:
        """The file's bytes with the measured reading level in its metadata."""
        data = written.data if not options else write(rendered, {**base, **options}).data
        return add_reading_level(doc.edition.format, data, reading.whole.describe()) if reading else data

    data = final_bytes({})
    findings = _naming(written.findings, name, doc) + check_bytes(doc, data, name=name, reading=reading)
    if check == "full" and not any(f.is_error for f in findings):
        data, more = _check_full(doc, data, final_bytes, name=name,
                                 result=result if result is not None else BuildResult())
        findings += more
    if result is not None:
        result.findings += findings
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    return RenderedOutput(doc=doc, data=data, pages=written.pages, findings=findings, reading=reading)


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
    if paper is None or doc.edition.format != "pdf":
        return doc
    return replace(doc, paper=paper)


def _naming(findings, name: str, doc: SelectedDocument | None = None) -> list:
    """A writer's findings name no file: name the content file they come from when the
    finding quotes its text (a character the fonts lack), else the output they are about."""
    named = []
    for f in findings:
        source = _source_of(doc, f.message.split("'")[1]) if doc and f.code == "c-022" else None
        if source is not None:
            f = replace(f, file=str(source.file), line=source.line,
                        message=f"{f.message} (in {Path(name).name})")
        named.append(f if f.file else replace(f, file=name))
    return named


def _source_of(doc: SelectedDocument, text: str) -> SourceRef | None:
    """The content file that holds `text`: a section of the output, else topic.yaml."""
    for section in doc.all_sections():
        body = section.body
        fields = [body.title, body.html, body.intro_html, body.crisis_html, body.outro_html, *body.signs,
                  *(q.question + q.answer_html for q in body.questions)]
        if any(text in value for value in fields) and body.source is not None:
            return SourceRef(body.source.file)
    topic = doc.topic
    if any(text in v for v in (topic.title, topic.subtitle, topic.summary, *(r.title for r in topic.references))):
        return SourceRef(shown_path(topic.folder / "topic.yaml"))
    return None


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


def _check_full(doc, data: bytes, final_bytes, *, name: str, result: BuildResult):
    """The external validators on the bytes. An EPUB they pass without a single message is
    written again with its conformance claim (dcterms:conformsTo, a11y:certifiedBy), and that
    final file is validated too: the claim is only ever in a file whose checks passed."""
    from .verify import check_bytes
    from .verify.external import findings_of, validate_bytes
    runs = validate_bytes([(name, data)])
    if doc.edition.format == "epub" and runs and all(run.clean for run in runs):
        data = final_bytes({"conforms": True})
        runs = validate_bytes([(name, data)])
        result.validations += runs
        return data, check_bytes(doc, data, name=name) + findings_of(runs)
    result.validations += runs
    return data, findings_of(runs)


def index_files(out_dir: Path) -> list[Path]:
    """The built files handouts/index.html lists."""
    root = Path(out_dir).resolve()
    return sorted(p for p in Path(out_dir).glob("*/*") if p.suffix in EXTENSIONS.values() and p.is_file()
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
