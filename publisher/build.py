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
from typing import Callable, Mapping

from . import config, read
from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, EditionError, OutputError, PublishError, TemplateError
from .findings import finding, shown_path
from .model import Edition, Output, SelectedDocument, SourceRef, Topic
from .output import OutputWriter, safe_target
from .render import render_edition
from .select import select_sections
from .writers import EXTENSIONS, get_writer


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


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)


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
    return f"{doc.topic.id}/{doc.topic.id}-{doc.edition.id}{EXTENSIONS[doc.edition.format]}"


def build_editions(project: Project, *, topics=None, editions=None, out_dir: Path | None = None,
                   paper: str | None = None, clinic_file: Path | None = None,
                   topic_dirs=(), progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into out_dir/<topic>/.

    All or nothing: if any output fails (template, checks, disk), no file is replaced."""
    out_dir = Path(out_dir or project.out_dir)
    progress("1/4 reading content")
    all_editions, loaded, clinic = _read_everything(project, topics, topic_dirs, clinic_file)
    chosen = pick_editions(all_editions, editions)
    progress("2/4 selecting sections")
    docs = [_with_paper(select_sections(topic, edition), paper) for topic in loaded.values() for edition in chosen]
    stamps = {topic.id: build_timestamp(topic) for topic in loaded.values()}  # a bad SOURCE_DATE_EPOCH stops here
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    targets = _claim_all(writer, out_root, [output_name(doc) for doc in docs])
    result = BuildResult()
    progress(f"3/4 rendering {len(docs)} file(s)")
    problems: list = []
    failed: type[PublishError] | None = None
    try:
        for number, (doc, target) in enumerate(zip(docs, targets), start=1):
            progress(f"    [{number}/{len(docs)}] {target.relative_to(out_root)}")
            try:
                written, findings = render_one(doc, clinic=clinic, project=project, name=str(shown_path(target)),
                                               timestamp=stamps[doc.topic.id])
            except (TemplateError, ChecksFailed) as exc:
                problems += [f for f in exc.findings if f not in problems]  # one template error, once
                failed = TemplateError if isinstance(exc, TemplateError) or failed is TemplateError else ChecksFailed
                continue
            result.findings += findings
            writer.stage(target, written.data)
            result.outputs.append(Output(path=target, topic=doc.topic.id, edition=doc.edition.id,
                                         format=doc.edition.format, size=len(written.data), pages=written.pages))
        if failed is TemplateError:
            raise TemplateError(f"{len(problems)} template problem(s); no output was written or replaced",
                                problems)
        if failed is ChecksFailed:
            raise ChecksFailed(problems)
        progress("4/4 writing the files and the index")
        writer.commit()
    finally:
        writer.discard()  # whatever was staged and not moved into place
    write_index(project, out_dir, writer)
    return result


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


def render_one(doc: SelectedDocument, *, clinic: Clinic, project: Project, name: str,
               timestamp: dt.datetime | None = None):
    """Render, write to bytes and check one output (nothing touches the disk).
    Returns (WriteResult, findings); raises ChecksFailed if a check found an error."""
    from .verify import check_bytes
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir)
    options = {"timestamp": timestamp or build_timestamp(doc.topic)}
    try:
        written = get_writer(doc.edition.format)(rendered, options)
    except ChecksFailed as exc:
        raise ChecksFailed(_naming(exc.findings, name, doc)) from None
    findings = _naming(written.findings, name, doc) + check_bytes(doc, written.data, name=name)
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    return written, findings


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


def build_one(doc: SelectedDocument, target: Path, *, writer: OutputWriter, clinic: Clinic,
              project: Project, result: BuildResult) -> Output:
    """Render, write to bytes, check, then (only if the checks pass) put the file in place."""
    written, findings = render_one(doc, clinic=clinic, project=project, name=str(shown_path(target)))
    result.findings += findings
    writer.write(target, written.data)
    return Output(path=target, topic=doc.topic.id, edition=doc.edition.id, format=doc.edition.format,
                  size=len(written.data), pages=written.pages)


def write_index(project: Project, out_dir: Path, writer: OutputWriter) -> Path:
    from .render import render_index
    root = Path(out_dir).resolve()
    files = sorted(p for p in Path(out_dir).glob("*/*") if p.suffix in EXTENSIONS.values() and p.is_file()
                   and root in p.resolve().parents)  # a link to a file elsewhere is not listed
    html = render_index(files, out_dir=Path(out_dir), layouts_dir=project.layouts_dir)
    return writer.write(safe_target(out_dir, "index.html"), html.encode("utf-8"))
