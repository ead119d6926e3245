"""The orchestrator: read -> select -> render -> write -> verify, for every output asked for.

Everything is read and selected before anything is written, so a content error stops the
build before it can touch the output folder. No printing here: progress goes to a callback.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import config, read
from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, EditionError
from .model import Edition, Output, SelectedDocument, Topic
from .output import OutputWriter, safe_target
from .pagemaps import PageMaps
from .render import render_edition
from .select import select_sections
from .writers import EXTENSIONS, add_reading_level, get_writer


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
    by_name = {f.name: f for f in folders}
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
    return [all_editions[n] for n in names]


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
                   check: str = "fast", progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into out_dir/<topic>/.

    A topic past its next-review date stops the build (s-002) unless `allow_overdue`; its
    outputs then carry a "Review overdue" note. `check`: "fast" (our own checks) or "full"
    (also EPUBCheck, Ace and axe) before any file is moved into place."""
    from .verify.review import check_review, is_overdue
    if check not in CHECK_LEVELS:
        raise ValueError(f"check must be one of {CHECK_LEVELS}, not {check!r}")
    out_dir = Path(out_dir or project.out_dir)
    today = today or dt.date.today()
    progress("1/4 reading content")
    all_editions = load_editions(project)
    chosen = pick_editions(all_editions, editions)
    loaded = load_topics(project, topics, topic_dirs)
    clinic = read_clinic(clinic_file or project.default_clinic)
    reviews = [f for t in loaded.values() for f in check_review(t, today=today, allow_overdue=allow_overdue)]
    if any(f.is_error for f in reviews):
        raise ChecksFailed(reviews)
    overdue = {t.id for t in loaded.values() if is_overdue(t, today)}
    progress("2/4 selecting sections")
    docs = [_with_paper(select_sections(topic, edition), paper) for topic in loaded.values() for edition in chosen]
    writer = OutputWriter(out_dir)
    targets = [safe_target(out_dir, output_name(doc)) for doc in docs]
    for target in targets:
        writer.claim(target)
    result = BuildResult(findings=reviews)
    page_maps = PageMaps(all_editions, paper=paper, clinic=clinic, layouts_dir=project.layouts_dir,
                         file_name=lambda doc: output_name(doc).rpartition("/")[2])
    progress(f"3/4 rendering {len(docs)} file(s)")
    # A printed edition whose page numbers an EPUB carries is laid out first, and only once.
    order = sorted(range(len(docs)), key=lambda i: not page_maps.is_source(docs[i].edition))
    built = {}
    for number, i in enumerate(order, start=1):
        progress(f"    [{number}/{len(docs)}] {targets[i].relative_to(out_dir.resolve())}")
        built[i] = build_one(docs[i], targets[i], writer=writer, clinic=clinic, project=project,
                             result=result, page_maps=page_maps,
                             digital=digital_path(docs[i].topic.id, all_editions),
                             review_overdue=docs[i].topic.id in overdue, check=check)
    result.outputs += [built[i] for i in sorted(built)]
    progress("4/4 writing the index")
    write_index(project, out_dir, writer, check=check, result=result)
    return result


def _with_paper(doc: SelectedDocument, paper: str | None) -> SelectedDocument:
    if paper is None or doc.edition.format != "pdf":
        return doc
    from dataclasses import replace
    return replace(doc, paper=paper)


def build_one(doc: SelectedDocument, target: Path, *, writer: OutputWriter, clinic: Clinic,
              project: Project, result: BuildResult, page_maps: PageMaps | None = None,
              digital: str | None = None, review_overdue: bool = False, check: str = "fast") -> Output:
    """Render, write to bytes, measure, check, then (only if the checks pass) put the file in place.

    `digital`: the topic's digital version in the output folder (see `digital_path`).
    An edition with reading-level targets is measured on the written bytes, and the measured
    grade goes into the file's metadata before the checks run on the final bytes."""
    from .verify import check_bytes, readability
    is_source = page_maps is not None and page_maps.is_source(doc.edition)
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir, block_ids=is_source,
                              page_map=page_maps.for_epub(doc) if page_maps else None, digital_path=digital,
                              review_overdue=review_overdue)
    write = get_writer(doc.edition.format)
    written = write(rendered, {})
    if is_source:
        page_maps.remember(doc, written.extra["page_starts"])
    reading = readability.measure(doc, written.data) if readability.has_targets(doc.edition) else None

    def final_bytes(options: dict) -> bytes:
        """The file's bytes with the measured reading level in its metadata."""
        data = written.data if not options else write(rendered, options).data
        return add_reading_level(doc.edition.format, data, reading.whole.describe()) if reading else data

    data = final_bytes({})
    findings = list(written.findings) + check_bytes(doc, data, name=str(target), reading=reading)
    if check == "full" and not any(f.is_error for f in findings):
        data, more = _check_full(doc, data, final_bytes, name=str(target), result=result)
        findings += more
    result.findings += findings
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    writer.write(target, data)
    output = Output(path=target, topic=doc.topic.id, edition=doc.edition.id, format=doc.edition.format,
                    size=len(data), pages=written.pages, grade=reading.whole.fk_grade if reading else None)
    if reading:
        result.readings.append((output, doc.edition, reading))
    return output


def measure_built(project: Project, topic: Topic, edition: Edition, out_dir: Path | None = None):
    """The reading level of an edition's file already in the output folder, or None if it
    has not been built. Reads the file; renders nothing (so `publish list` stays fast)."""
    from .verify import readability
    doc = select_sections(topic, edition)
    path = Path(out_dir or project.out_dir) / output_name(doc)
    return path, (readability.measure(doc, path.read_bytes()) if path.is_file() else None)


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


def write_index(project: Project, out_dir: Path, writer: OutputWriter, *, check: str = "fast",
                result: BuildResult | None = None) -> Path:
    from .render import render_index
    from .verify import check_index
    files = sorted(p for p in Path(out_dir).glob("*/*") if p.suffix in EXTENSIONS.values() and p.is_file())
    data = render_index(files, out_dir=Path(out_dir), layouts_dir=project.layouts_dir).encode("utf-8")
    target = Path(out_dir) / "index.html"
    findings = check_index(data, name=str(target))
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
