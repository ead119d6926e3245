"""One output in memory: SelectedDocument -> render -> write -> measure -> check -> bytes.

Nothing touches the disk here; `build` stages and commits what this returns, `summary`
writes one file, and the batch runs it in worker processes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from .clinic import Clinic
from .errors import ChecksFailed
from .findings import shown_path
from .formats import get_format
from .model import Output, PageMap, PageStart, SelectedDocument, SourceRef
from .project import Project, build_timestamp


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)
    readings: list = field(default_factory=list)  # (Output, Edition, readability.Reading) per measured output
    validations: list = field(default_factory=list)  # verify.tools.ValidatorRun, with check="full"
    skipped: list = field(default_factory=list)  # (topic, edition, language, missing ids) not built


@dataclass(frozen=True)
class RenderedOutput:
    """One output's final bytes, what its writer said, and its measured reading level."""

    doc: SelectedDocument
    data: bytes
    pages: int | None
    findings: list
    reading: object = None  # verify.readability.Reading, for editions with reading targets
    page_starts: tuple[PageStart, ...] | None = None  # a page source: where each printed page starts

    def output(self, target: Path) -> Output:
        return Output(path=target, topic=self.doc.topic.id, edition=self.doc.edition.id,
                      format=self.doc.edition.format, size=len(self.data), pages=self.pages,
                      grade=self.reading.grade if self.reading else None,
                      language=self.doc.topic.language)


def render_edition(doc: SelectedDocument, **options):
    """render.render_edition, imported at first use: `publish list` and a no-op build need no jinja2."""
    from .render import render_edition as render
    return render(doc, **options)


def render_one(doc: SelectedDocument, *, clinic: Clinic, project: Project, name: str,
               timestamp: dt.datetime | None = None, page_source: bool = False, page_map: PageMap | None = None,
               digital: str | None = None, review_overdue: bool = False, check: str = "fast",
               result: BuildResult | None = None) -> RenderedOutput:
    """Render, write to bytes, measure and check one output (nothing touches the disk).

    `page_source`: an EPUB takes its page numbers from this printed edition: its text blocks
    get ids and the result says where each page starts; `page_map`: the page numbers this
    EPUB carries (see `pagenumbers`), laid out beforehand.
    `digital`: the topic's digital version in the output folder (see `digital_path`). An
    edition with reading-level targets is measured on the written bytes, and the measured
    grade goes into the file's metadata before the checks run on the final bytes. Raises
    ChecksFailed if a check found an error."""
    from .verify import check_bytes, readability
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir, block_ids=page_source,
                              page_map=page_map, digital_path=digital, review_overdue=review_overdue)
    fmt = get_format(doc.edition.format)
    write = fmt.load_writer()
    base = {"timestamp": timestamp or build_timestamp(doc.topic)}
    try:
        written = write(rendered, base)
    except ChecksFailed as exc:
        raise ChecksFailed(_naming(exc.findings, name, doc)) from None
    # The written file is read once (for a PDF: one open, one scan of its pages): the reading
    # level is measured on it, written into its metadata, and every fast check reads it.
    with fmt.read(written.data) as file:
        reading = readability.measure(doc, written.data, file) if readability.has_targets(doc.edition) else None
        level = reading.describe() if reading else ""
        data = file.with_reading_level(level) if level else written.data
        findings = _naming(written.findings, name, doc) + check_bytes(doc, data, name=name, reading=reading,
                                                                      file=file)

    def final_bytes(options: dict) -> bytes:
        """The file written again with other options, with the measured reading level."""
        data = write(rendered, {**base, **options}).data
        return fmt.add_reading_level(data, level) if level else data

    if check == "full" and not any(f.is_error for f in findings):
        data, more = _check_full(doc, data, final_bytes, name=name,
                                 result=result if result is not None else BuildResult())
        findings += more
    if result is not None:
        result.findings += findings
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    return RenderedOutput(doc=doc, data=data, pages=written.pages, findings=findings, reading=reading,
                          page_starts=written.extra["page_starts"] if page_source else None)


def lay_out_pages(doc: SelectedDocument, *, clinic: Clinic, project: Project) -> tuple[PageStart, ...]:
    """Where each page of the printed edition `doc` starts, laid out in memory and not
    written (its file was not asked for, or is up to date), for the EPUB that carries its
    page numbers. Raises ChecksFailed if the renderer reports an error."""
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir, block_ids=True)
    return get_format(doc.edition.format).load_layout()(rendered)[1]


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


def _check_full(doc, data: bytes, final_bytes, *, name: str, result: BuildResult):
    """The external validators on the bytes. An EPUB they pass without a single message is
    written again with its conformance claim (dcterms:conformsTo, a11y:certifiedBy), and that
    final file is validated too: the claim is only ever in a file whose checks passed."""
    from .verify import check_bytes
    from .verify.external import findings_of, validate_bytes
    runs = validate_bytes([(name, data)])
    if get_format(doc.edition.format).conformance_claim and runs and all(run.clean for run in runs):
        data = final_bytes({"conforms": True})
        runs = validate_bytes([(name, data)])
        result.validations += runs
        return data, check_bytes(doc, data, name=name) + findings_of(runs)
    result.validations += runs
    return data, findings_of(runs)
