"""One output as a pure job: `run_job(Job) -> JobResult`.

A `Job` holds everything one output needs (the selected content, the clinic, the layout
files or where they are, and frozen `OutputOptions`); `run_job` renders, writes, measures
and checks it in memory and returns the checked bytes with what was found. It reads no
project file (but the layouts a `Path` names), writes nothing, mutates nothing it is given
and raises nothing for a bad output: a template or check failure is a `JobResult` with a
`failure`. So the same job gives the same bytes in this process, a local worker or a Dask
worker on another machine (`runner`), and one collector (`collect`) puts every kind of
run's results in place: `build` (every edition), `summary` (one file), `summary --batch`
(many) and the web server's in-memory summaries.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .clinic import Clinic
from .errors import ChecksFailed, TemplateError
from .findings import Finding, shown_path
from .formats import Format, get_format
from .model import Output, PageMap, PageStart, SelectedDocument, SourceRef

if TYPE_CHECKING:
    from .render import RenderedEdition

#: How much is checked before a file is accepted: "fast" runs our own checks (PDF/UA
#: conditions, EPUB and HTML structure, safety); "full" adds EPUBCheck, Ace and axe.
CHECK_LEVELS = ("fast", "full")


@dataclass(frozen=True)
class LayoutBundle:
    """The layouts/ folder as data, so a worker on another machine needs no copy of the project."""

    digest: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, layouts_dir: Path) -> "LayoutBundle":
        """Every file under `layouts_dir`, with a digest that names this set of files."""
        files = tuple((p.relative_to(layouts_dir).as_posix(), p.read_bytes())
                      for p in sorted(Path(layouts_dir).rglob("*")) if p.is_file())
        digest = hashlib.sha256(b"".join(n.encode() + b"\0" + hashlib.sha256(d).digest() for n, d in files))
        return cls(digest.hexdigest()[:24], files)

    def unpack(self) -> Path:
        """A layouts folder holding these files in the worker's temporary folder, written once
        per worker machine (then reused by every job); moved into place whole, so a folder
        that exists is complete. Returns its path."""
        root = Path(tempfile.gettempdir()) / f"publisher-layouts-{self.digest}"
        if not root.is_dir():
            part = Path(tempfile.mkdtemp(prefix=f".publisher-layouts-{self.digest}.", dir=root.parent))
            for name, data in self.files:
                (part / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
                (part / "layouts" / name).write_bytes(data)
            try:
                os.rename(part, root)
            except OSError:  # another worker was first: its folder has the same files
                import shutil
                shutil.rmtree(part, ignore_errors=True)
        return root / "layouts"


@dataclass(frozen=True)
class OutputOptions:
    """How one output is made, besides its content: all plain values."""

    timestamp: dt.datetime  #: the date written into the file (`project.build_timestamp`)
    digital: str | None = None  #: the topic's digital version in the output folder (a printed file's QR code)
    review_overdue: bool = False  #: the topic is past its review date and is built anyway
    check: str = "fast"  #: one of CHECK_LEVELS
    page_source: bool = False  #: an EPUB takes its page numbers from this printed edition
    page_map: PageMap | None = None  #: the page numbers this EPUB carries, laid out beforehand
    layout_only: bool = False  #: lay out a printed edition for its page starts; write no file
    font_cache: Path | None = None  #: where web pages' font subsets are kept between builds (webfonts.py)

    def __post_init__(self) -> None:
        if self.check not in CHECK_LEVELS:
            raise ValueError(f"check must be one of {CHECK_LEVELS}, not {self.check!r}")


@dataclass(frozen=True)
class Job:
    """One output to make: picklable, so it can run in another process or on another machine."""

    doc: SelectedDocument
    clinic: Clinic
    layouts: Path | LayoutBundle  #: the layouts folder, or its files as data (for remote workers)
    name: str  #: the output as findings name it (its target, as the user knows it)
    options: OutputOptions

    def layouts_dir(self) -> Path:
        """The layouts folder to render with (a bundle is unpacked once per machine)."""
        return self.layouts.unpack() if isinstance(self.layouts, LayoutBundle) else Path(self.layouts)


@dataclass(frozen=True)
class JobResult:
    """What a job gives back: the checked bytes (None if the output failed), its page count,
    reading level, findings, external validator runs and, for a page source, where each page
    starts. `failure` is "template" or "checks" when the output must not be written."""

    data: bytes | None = None
    pages: int | None = None
    reading: object = None  #: verify.readability.Reading, for editions with reading targets
    findings: tuple[Finding, ...] = ()
    validations: tuple = ()  #: verify.tools.ValidatorRun, with check="full"
    page_starts: tuple[PageStart, ...] | None = None
    failure: str | None = None

    @property
    def grade(self) -> float | None:
        """The measured Flesch-Kincaid grade of the whole text, if measured."""
        return self.reading.grade if self.reading else None

    def output(self, target: Path, doc: SelectedDocument) -> Output:
        """The `model.Output` this result is once written to `target`."""
        return Output(path=target, topic=doc.topic.id, edition=doc.edition.id, format=doc.edition.format,
                      size=len(self.data or b""), pages=self.pages, grade=self.grade, language=doc.topic.language,
                      levels=self.reading.levels() if self.reading else ())

    def raise_failure(self) -> None:
        """For callers that want an exception: TemplateError or ChecksFailed with the findings
        if the output failed; nothing otherwise."""
        if self.failure == "template":
            raise TemplateError(f"{len(self.findings)} template problem(s)", list(self.findings))
        if self.failure:
            raise ChecksFailed([f for f in self.findings])


def render_edition(doc: SelectedDocument, **options) -> "RenderedEdition":
    """render.render_edition, imported at first use: `publish list` and a no-op build need no jinja2."""
    from .render import render_edition as render
    return render(doc, **options)


def run_job(job: Job) -> JobResult:
    """Make one output in memory: render -> write -> measure -> check (-> validate).

    An edition with reading-level targets is measured on the written bytes, and the measured
    grade goes into the file's metadata before the checks run on the final bytes. With
    check="full" the external validators judge the final bytes too; a format that claims
    conformance (EPUB Accessibility) is written again with the claim only once they passed
    it without a message, and that file is checked and validated again. Never raises for a
    bad output: see JobResult.failure."""
    doc, options = job.doc, job.options
    fmt = get_format(doc.edition.format)
    try:  # the render's own findings (e.g. page-break markers that do not fit) name their source
        rendered = render_edition(doc, clinic=job.clinic, layouts_dir=job.layouts_dir(),
                                  block_ids=options.page_source or options.layout_only, page_map=options.page_map,
                                  digital_path=options.digital, review_overdue=options.review_overdue,
                                  font_cache=options.font_cache)
    except TemplateError as exc:
        return JobResult(findings=tuple(exc.findings), failure="template")
    except ChecksFailed as exc:
        return JobResult(findings=tuple(exc.findings), failure="checks")
    write = fmt.load_writer()
    try:
        if options.layout_only:
            pages, starts = fmt.load_layout()(rendered)
            return JobResult(pages=pages, page_starts=starts)
        written = write(rendered, {"timestamp": options.timestamp})
    except ChecksFailed as exc:  # a writer's findings name no file: the output's (or its content's) name
        return JobResult(findings=tuple(_naming(exc.findings, job.name, doc)), failure="checks")
    starts = written.extra["page_starts"] if options.page_source else None
    data, reading, findings = _measure_and_check(doc, fmt, written, name=job.name)
    validations: tuple = ()
    if options.check == "full" and not any(f.is_error for f in findings):
        from .verify.external import findings_of, validate_bytes
        validations = tuple(validate_bytes([(job.name, data)]))
        if fmt.conformance_claim and validations and all(run.clean for run in validations):
            # The claim is only ever in a file whose checks passed: write it, check it again.
            claimed = write(rendered, {"timestamp": options.timestamp, "conforms": True})
            data, reading, findings = _measure_and_check(doc, fmt, claimed, name=job.name)
            validations = tuple(validate_bytes([(job.name, data)]))
        findings += findings_of(list(validations))
    failed = any(f.is_error for f in findings)
    return JobResult(data=None if failed else data, pages=written.pages, reading=reading,
                     findings=tuple(findings), validations=validations, page_starts=starts,
                     failure="checks" if failed else None)


def _measure_and_check(doc: SelectedDocument, fmt: Format, written, *, name: str):
    """(final bytes, reading level or None, findings) of a written file: the reading level
    measured and put into its metadata, then the fast checks on the final file.

    The written file is read once: a PDF from the repaired document the writer saved, still
    open (`WriteResult.opened`), with one scan of its pages. The reading level is measured on
    it and written into its metadata (the document is saved again: the final bytes), and every
    fast check reads that same document."""
    from .verify import check_bytes, readability
    with fmt.read(written.data, opened=written.opened) as file:
        reading = readability.measure(doc, written.data, file) if readability.has_targets(doc.edition) else None
        level = reading.describe() if reading else ""
        data = file.with_reading_level(level) if level else written.data
        findings = _naming(written.findings, name, doc) + check_bytes(doc, data, name=name, reading=reading,
                                                                      file=file)
    return data, reading, findings


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
