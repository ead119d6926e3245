"""The orchestrator: read -> select -> render -> write -> verify, for every output asked for.

Everything is read and selected before anything is written, so a content error stops the
build before it can touch the output folder. No printing here: progress goes to a callback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import config, read
from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, EditionError
from .model import Edition, Output, SelectedDocument, Topic
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


#: How much `build` checks before a file is moved into place: "fast" runs our own checks
#: (PDF/UA conditions, EPUB and HTML structure, safety); "full" adds EPUBCheck, Ace and axe.
CHECK_LEVELS = ("fast", "full")


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)
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
    return f"{doc.topic.id}/{doc.topic.id}-{doc.edition.id}{EXTENSIONS[doc.edition.format]}"


def build_editions(project: Project, *, topics=None, editions=None, out_dir: Path | None = None,
                   paper: str | None = None, clinic_file: Path | None = None,
                   topic_dirs=(), check: str = "fast",
                   progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the chosen editions of the chosen topics into out_dir/<topic>/."""
    if check not in CHECK_LEVELS:
        raise ValueError(f"check must be one of {CHECK_LEVELS}, not {check!r}")
    out_dir = Path(out_dir or project.out_dir)
    progress("1/4 reading content")
    all_editions = load_editions(project)
    chosen = pick_editions(all_editions, editions)
    loaded = load_topics(project, topics, topic_dirs)
    clinic = read_clinic(clinic_file or project.default_clinic)
    progress("2/4 selecting sections")
    docs = [_with_paper(select_sections(topic, edition), paper) for topic in loaded.values() for edition in chosen]
    writer = OutputWriter(out_dir)
    targets = [safe_target(out_dir, output_name(doc)) for doc in docs]
    for target in targets:
        writer.claim(target)
    result = BuildResult()
    progress(f"3/4 rendering {len(docs)} file(s)")
    for number, (doc, target) in enumerate(zip(docs, targets), start=1):
        progress(f"    [{number}/{len(docs)}] {target.relative_to(out_dir.resolve())}")
        result.outputs.append(build_one(doc, target, writer=writer, clinic=clinic, project=project,
                                        result=result, check=check))
    progress("4/4 writing the index")
    write_index(project, out_dir, writer, check=check, result=result)
    return result


def _with_paper(doc: SelectedDocument, paper: str | None) -> SelectedDocument:
    if paper is None or doc.edition.format != "pdf":
        return doc
    from dataclasses import replace
    return replace(doc, paper=paper)


def build_one(doc: SelectedDocument, target: Path, *, writer: OutputWriter, clinic: Clinic,
              project: Project, result: BuildResult, check: str = "fast") -> Output:
    """Render, write to bytes, check, then (only if the checks pass) put the file in place."""
    from .verify import check_bytes
    rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir)
    write = get_writer(doc.edition.format)
    options: dict = {}
    written = write(rendered, options)
    findings = list(written.findings) + check_bytes(doc, written.data, name=str(target))
    if check == "full" and not any(f.is_error for f in findings):
        written, more = _check_full(doc, rendered, written, write=write, options=options, name=str(target),
                                    result=result)
        findings += more
    result.findings += findings
    if any(f.is_error for f in findings):
        raise ChecksFailed(findings)
    writer.write(target, written.data)
    return Output(path=target, topic=doc.topic.id, edition=doc.edition.id, format=doc.edition.format,
                  size=len(written.data), pages=written.pages)


def _check_full(doc, rendered, written, *, write, options: dict, name: str, result: BuildResult):
    """The external validators on the bytes. An EPUB they pass without a single message is
    written again with its conformance claim (dcterms:conformsTo, a11y:certifiedBy), and that
    final file is validated too: the claim is only ever in a file whose checks passed."""
    from .verify import check_bytes
    from .verify.external import findings_of, validate_bytes
    runs = validate_bytes([(name, written.data)])
    if doc.edition.format == "epub" and runs and all(run.clean for run in runs):
        written = write(rendered, {**options, "conforms": True})
        runs = validate_bytes([(name, written.data)])
        result.validations += runs
        return written, check_bytes(doc, written.data, name=name) + findings_of(runs)
    result.validations += runs
    return written, findings_of(runs)


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
