"""Built files on disk -> a `CheckReport`: what `publish check` runs.

Each file's topic and edition are read from its name (`<topic>/<topic>-<edition>.<ext>`,
as the build writes it), so the safety check knows what the file must contain.

Our own fast checks (the PDF/UA conditions, EPUB and HTML structure, and the safety check
when the file's topic and edition are known) run on every file; the external validators
(EPUBCheck, Ace, axe) run where Java, Node and Chromium are there, and say so where not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import read
from ..editions import PAPERS
from ..custom import CUSTOM_FOLDER, parse_custom_name, summary_edition
from ..translations import LANG_RE, TranslationMissing, select_bilingual, select_in
from ..archive import ArchiveRefused, check_pdf_streams
from ..errors import EditionError, PublishError
from ..findings import Finding, Severity, finding, shown_path
from ..model import Edition, SelectedDocument, SourceRef, Topic
from ..select import select_sections
from ..formats import format_of_path
from . import check_bytes
from .external import validate_files
from .tools import Tools, ValidatorRun

@dataclass
class CheckReport:
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    validations: list[ValidatorRun] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def skipped(self) -> list[ValidatorRun]:
        return [run for run in self.validations if run.skipped]


def check_paths(targets, *, out_dir: Path, source_dir: Path, editions: dict[str, Edition], topic_dirs=(),
                external: bool = True, tools: Tools | None = None) -> CheckReport:
    """Check the built files named by `targets`: files, folders, or topic names (their folder
    in out_dir); by default everything in out_dir."""
    paths, unknown = [], []
    for target in targets or [out_dir]:
        path = Path(target)
        if path.exists():
            paths.append(path)
        elif (out_dir / str(target)).is_dir():  # a topic name: its folder of built files
            paths.append(out_dir / str(target))
        else:
            unknown.append(finding("u-008", f"it is not a file, a folder or a built topic in {shown_path(out_dir)}",
                                   source=SourceRef(str(target))))
    if unknown:  # every target that is not there, each on its line; nothing is checked
        raise EditionError(unknown[0].message if len(unknown) == 1 else f"{len(unknown)} targets not found", unknown)
    files = collect_files(paths)
    if not files:
        raise EditionError(f"no built file (PDF, EPUB or HTML) to check in {', '.join(map(str, paths))}", code="u-008",
                           source=SourceRef(str(shown_path(paths[0]))))
    docs = documents_of(files, source_dir=source_dir, editions=editions, topic_dirs=topic_dirs)
    cwd = Path.cwd()
    names = {f: str(f.resolve().relative_to(cwd)) if f.resolve().is_relative_to(cwd) else str(f) for f in files}
    return check_files(docs, external=external, tools=tools, names=names)


def documents_of(files: list[Path], *, source_dir: Path, editions: dict[str, Edition],
                 topic_dirs=()) -> dict[Path, SelectedDocument | None]:
    """The document each file was built from: what `publish summary` recorded for its bytes
    (a custom file, under whatever name), else what its name says; None where neither says."""
    folders = {f.name: f for f in read.find_topics(source_dir)}
    for extra in map(Path, topic_dirs):
        folders.update({f.name: f for f in ([extra] if (extra / "topic.yaml").exists() else read.find_topics(extra))})
    topics: dict[str, Topic] = {}
    docs = {}

    def topic(topic_id: str) -> Topic:
        if topic_id not in topics:
            topics[topic_id] = read.read_topic(folders[topic_id])
        return topics[topic_id]

    for path in files:
        # What `publish summary` recorded for these bytes comes first: a custom file may have
        # been written under any name, an edition's own among them (-o handouts/x/x-patient-handout.pdf).
        recorded = recorded_document(path, root=Path(source_dir).parent, folders=folders, topic=topic,
                                     editions=editions) if path.name != "index.html" else None
        named = _named_document(path, folders, topic, editions)
        if recorded is not None and named is not None and named.edition.audience == "patient" \
                and recorded.edition.audience != "patient":
            recorded = None  # named for patients, made for others: checked as its name says (the safety blocks)
        docs[path] = recorded if recorded is not None else named
    return docs


def recorded_document(path: Path, *, root: Path, folders: dict, topic, editions: dict[str, Edition]
                      ) -> SelectedDocument | None:
    """The document of a custom file as `publish summary` recorded it (by the file's bytes;
    summary.record_selections), selected again from the topic as it is now; None if nothing
    was recorded or the selection cannot be made any more (a section gone)."""
    from ..project import Project
    from ..summary import plan_summary, recorded_request, request_titles
    try:
        request = recorded_request(root, path.read_bytes(), path)
    except OSError:
        return None
    if request is None or request.topic not in folders:
        return None
    project = Project(root)
    try:  # selected again as `publish summary` selected it: its titles in the request's language
        doc, _ = plan_summary(request, editions, topic(request.topic), path.parent,
                              titles=request_titles(project, request), layouts_dir=project.layouts_dir)
    except (PublishError, TypeError, ValueError):  # the topic or the editions changed since
        return None
    return doc


def _named_document(path: Path, folders: dict, topic, editions: dict[str, Edition]) -> SelectedDocument | None:
    """The document of a file named as the build (or `publish summary`'s default) names it;
    None when its name does not say."""
    topic_id, stem = path.parent.name, path.stem
    if topic_id == CUSTOM_FOLDER and path.parent.parent.name in folders:  # a custom summary
        return custom_document(path, topic(path.parent.parent.name), editions)
    name, paper, lang = stem[len(topic_id) + 1:], None, None
    if "." in name and LANG_RE.match(name.rpartition(".")[2]):  # a translation: <edition>.es
        name, _, lang = name.rpartition(".")
    if name not in editions and name.rpartition("-")[2] in PAPERS:  # built with --paper: <edition>-a4
        name, _, paper = name.rpartition("-")
    edition = editions.get(name) if stem.startswith(topic_id + "-") else None
    if topic_id not in folders or edition is None or getattr(format_of_path(path), "name", None) != edition.format:
        return None
    try:  # in the file's language: the safety check looks for the translated texts
        if lang:
            doc = select_in(topic(topic_id), edition, lang)
        elif edition.bilingual:  # both halves, as the build made it (the reading level of each)
            doc = select_bilingual(topic(topic_id), edition)
        else:
            doc = select_sections(topic(topic_id), edition)
    except TranslationMissing:  # no such translation (any more): the check cannot know what it holds
        return None
    return replace(doc, paper=paper) if paper else doc


def custom_document(path: Path, topic: Topic, editions: dict[str, Edition]) -> SelectedDocument | None:
    """What a custom summary written by `publish summary` under its default name holds: its
    audience's edition and the sections its name lists (only the required ones when the name
    was shortened); None for a file of another name."""
    found = parse_custom_name(path, topic)
    fmt = getattr(format_of_path(path), "name", None)
    if found is None or fmt is None:
        return None
    try:
        edition = summary_edition(editions, audience=found.audience, fmt=fmt, large_print=found.large_print)
        if found.ids is None and found.exclude is None:
            required = [s.id for s in topic.all_sections() if found.audience in s.required_for]
            return select_sections(topic, edition, section_ids=required) if required else None
        return select_sections(topic, edition, section_ids=found.ids or None, exclude=found.exclude or ())
    except EditionError:  # the topic changed since (a section gone): the check cannot know it
        return None


def collect_files(paths) -> list[Path]:
    """The output files among `paths`; folders are searched recursively. Temporary files of
    an interrupted build (`.name.part`) are left out."""
    found = []
    for path in map(Path, paths):
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [p for p in candidates if p.is_file() and format_of_path(p) is not None and not p.name.startswith(".")]
    return list(dict.fromkeys(found))


def check_files(files: dict[Path, SelectedDocument | None], *, external: bool = True,
                tools: Tools | None = None, names: dict[Path, str] | None = None) -> CheckReport:
    """Check built files. `files` maps each file to the document it was built from, or None
    when that is not known (then the safety check is skipped, and said to be)."""
    names = names or {}
    report = CheckReport()
    refused: set[Path] = set()  # archives beyond the limits: no validator is given them either
    for path, doc in files.items():
        name = names.get(path, str(path))
        report.files.append(name)
        found = _fast_checks(path, doc, name)
        report.findings += found
        if any(f.code == "v-003" and _REFUSED_ARCHIVE in f.message for f in found):
            refused.add(path)
    if external:
        runs = validate_files({p: names.get(p, str(p)) for p in files if p not in refused}, tools=tools)
        order = {name: i for i, name in enumerate(report.files)}  # file by file, in the order checked
        report.validations = sorted(runs, key=lambda r: order.get(r.file, -1))
        report.findings += [f for run in report.validations for f in run.findings]
    return report


def _fast_checks(path: Path, doc: SelectedDocument | None, name: str) -> list[Finding]:
    fmt = format_of_path(path)
    data = path.read_bytes()
    try:
        if fmt.name == "pdf":  # a PDF from anywhere: its compressed streams within the limits first
            check_pdf_streams(data)
            found = _pdf_checks(data, doc, name, fmt)
        elif doc is not None:
            return check_bytes(doc, data, name=name)
        else:
            found = fmt.load_check()(data, name=name)
    except Exception as exc:  # a damaged or mislabelled file: say so instead of crashing
        # pikepdf names the in-memory stream by its repr (a memory address): say "the file".
        said = re.sub(r"(stream )?<[^<>]* object at 0x[0-9a-fA-F]+>", "the file", str(exc))
        if isinstance(exc, ArchiveRefused):  # its message says it all
            said = f"{said} ({_REFUSED_ARCHIVE})"
        else:
            said = f"{type(exc).__name__}: {said}"
        return [Finding("v-003", f"cannot read it as {fmt.name.upper()}: {said}", Severity.ERROR, name)]
    if doc is None and path.name != "index.html":
        found.append(Finding("v-002", "the safety check (disclaimer and 988 crisis help) was skipped: "
                             "the file's topic and edition are not known from its name", Severity.WARNING, name))
    return found


_REFUSED_ARCHIVE = "not unpacked, and not given to the validators"


def _pdf_checks(data: bytes, doc: SelectedDocument | None, name: str, fmt) -> list[Finding]:
    """A PDF read once, with where its paths and pictures are painted: the fast checks (the
    safety check too when the document is known), then the page checks that need no source
    HTML (`pagegeometry.ON_PDF`; the others run only when the file is built)."""
    from .pagegeometry import check_pdf_pages
    from .pdfread import PdfFile
    with PdfFile(data, shapes=True) as file:
        found = check_bytes(doc, data, name=name, file=file) if doc is not None else \
            fmt.load_check()(data, name=name, file=file)
        found += [replace(f, file=name) for f in check_pdf_pages(file)]
    return found
