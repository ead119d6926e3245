"""`publish summary --batch RECIPES_DIR`: many custom files in one pool of warm workers.

The coordinator reads every recipe, topic and clinic profile once, selects the sections
and claims every target before anything is rendered. Each file is then a pure job: the
selected content, the clinic and the layout files go in, the checked bytes come out; the
worker reads no project file and writes nothing. The jobs run on any standard
`concurrent.futures.Executor`: a local process pool by default (its workers stay warm:
weasyprint is imported once per worker, not once per file), or a Dask distributed
cluster's (`--scheduler tcp://HOST:PORT`), whose workers need only this package installed.
The coordinator stages the bytes beside their targets as they arrive and moves them into
place only when every job passed (all or nothing, as `build`). Only a bounded number of
jobs is in flight, so memory does not grow with the number of recipes.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .build import BuildResult, Project, digital_path, load_editions, load_topics
from .clinic import Clinic, read_clinic
from .errors import ChecksFailed, ContentError, PublishError, TemplateError
from .findings import shown_path
from .model import Output, SelectedDocument
from .output import OutputWriter

RECIPE_SUFFIXES = (".yaml", ".yml")
WORKER_TASKS = 40  # files a local worker renders before it is replaced (see build_batch)


@dataclass(frozen=True)
class LayoutBundle:
    """The layouts/ folder as data, so a worker on another machine needs no copy of the project."""

    digest: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, layouts_dir: Path) -> "LayoutBundle":
        files = tuple((p.relative_to(layouts_dir).as_posix(), p.read_bytes())
                      for p in sorted(Path(layouts_dir).rglob("*")) if p.is_file())
        digest = hashlib.sha256(b"".join(n.encode() + b"\0" + hashlib.sha256(d).digest() for n, d in files))
        return cls(digest.hexdigest()[:24], files)

    def project(self) -> Project:
        """A project folder holding these layouts in the worker's temporary folder, written once
        per worker machine (then reused by every job); moved into place whole, so a folder
        that exists is complete."""
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
        return Project(root)


@dataclass(frozen=True)
class SummaryJob:
    """One custom file: what goes in (everything it needs, nothing read from disk)."""

    doc: SelectedDocument
    clinic: Clinic
    layouts: LayoutBundle
    digital: str | None
    name: str  # the target as shown in findings


@dataclass(frozen=True)
class JobResult:
    """What comes out: the bytes (None if the file failed) and what the checks found."""

    data: bytes | None
    pages: int | None
    grade: float | None
    findings: list
    failure: str | None = None  # "template" or "checks"


def run_summary_job(job: SummaryJob) -> JobResult:
    """Render and check one file. Pure: the same job gives the same bytes on any worker."""
    from .build import render_one
    result = BuildResult()
    try:
        rendered = render_one(job.doc, clinic=job.clinic, project=job.layouts.project(), name=job.name,
                              digital=job.digital, result=result)
    except (TemplateError, ChecksFailed) as exc:
        # Exceptions are not sent between processes (their arguments do not round-trip): findings are.
        return JobResult(None, None, None, list(exc.findings),
                         "template" if isinstance(exc, TemplateError) else "checks")
    grade = rendered.reading.grade if rendered.reading else None
    return JobResult(rendered.data, rendered.pages, grade, result.findings)


@dataclass
class BatchResult:
    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)


def find_recipes(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix in RECIPE_SUFFIXES and p.is_file())


def plan_batch(project: Project, recipes: list[Path], out_dir: Path,
               topic_dirs=()) -> list[tuple[SummaryJob, Path]]:
    """Every recipe read, selected and given its target; all problems reported together."""
    from .summary import plan_summary, read_recipe
    problems, requests = [], []
    for path in recipes:
        try:
            requests.append(read_recipe(path))
        except ContentError as exc:
            problems += exc.findings
    if problems:
        raise ContentError(problems)
    editions = load_editions(project)
    topics = load_topics(project, sorted({r.topic for r in requests}), topic_dirs)
    clinics: dict[Path, Clinic] = {}
    layouts = LayoutBundle.of(project.layouts_dir)
    jobs = []
    for request in requests:
        clinic_file = Path(request.clinic or project.default_clinic).resolve()
        if clinic_file not in clinics:
            clinics[clinic_file] = read_clinic(clinic_file)
        doc, target = plan_summary(request, editions, topics[request.topic], out_dir)
        jobs.append((SummaryJob(doc=doc, clinic=clinics[clinic_file], layouts=layouts,
                                digital=digital_path(request.topic, editions), name=str(shown_path(target))),
                     target))
    return jobs


def build_batch(project: Project, recipes_dir: Path, *, out_dir: Path | None = None, topic_dirs=(),
                jobs: int | None = None, scheduler: str | None = None, executor: Executor | None = None,
                progress: Callable[[str], None] = lambda m: None) -> BatchResult:
    """Build the file of every recipe in `recipes_dir`. `executor`: any concurrent.futures
    Executor; else a Dask cluster's with `scheduler`, else a local process pool of `jobs`
    workers (default: the machine's cores)."""
    out_dir = Path(out_dir or project.out_dir)
    recipes = find_recipes(recipes_dir)
    if not recipes:
        raise PublishError(f"no recipe files (*.yaml) in {recipes_dir}")
    progress(f"1/3 reading {len(recipes)} recipe(s) and their content")
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    planned = plan_batch(project, recipes, out_root, topic_dirs)
    targets = [writer.claim(target) for _, target in planned]  # two recipes writing one file: o-002
    client = None
    own = executor is None
    if executor is None and scheduler:
        from distributed import Client  # only a batch on a cluster needs Dask
        client = Client(scheduler)
        executor = client.get_executor()
    elif executor is None:
        from .runner import process_pool
        # A worker is replaced after WORKER_TASKS files: WeasyPrint's caches grow with every
        # document, and a fresh worker keeps the peak memory the same for any batch size.
        executor = process_pool(jobs or os.cpu_count() or 1, tasks_per_worker=WORKER_TASKS)
    progress(f"2/3 rendering {len(planned)} file(s)")
    result, failed, problems = BatchResult(), None, []
    done: dict[int, tuple[JobResult, int]] = {}  # without the bytes, which are staged on disk
    try:
        window = 4 * (jobs or os.cpu_count() or 1) if scheduler is None else 64  # jobs in flight
        running: dict = {}
        queue = iter(range(len(planned)))
        while True:
            for i in queue:
                running[executor.submit(run_summary_job, planned[i][0])] = i
                if len(running) >= window:
                    break
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                i = running.pop(future)
                outcome: JobResult = future.result()
                if outcome.failure:
                    problems += [f for f in outcome.findings if f not in problems]
                    failed = TemplateError if outcome.failure == "template" or failed is TemplateError \
                        else ChecksFailed
                    continue
                writer.stage(targets[i], outcome.data)  # to disk now: the bytes are not kept
                done[i] = (JobResult(None, outcome.pages, outcome.grade, outcome.findings), len(outcome.data))
        if failed is TemplateError:
            raise TemplateError(f"{len(problems)} template problem(s); no output was written or replaced", problems)
        if failed is ChecksFailed:
            raise ChecksFailed(problems)
        progress("3/3 writing the files")
        writer.commit()
    finally:
        writer.discard()
        if own:
            executor.shutdown(wait=True)
        if client is not None:
            client.close()
    for i in sorted(done):
        outcome, size = done[i]
        doc = planned[i][0].doc
        result.findings += outcome.findings
        result.outputs.append(Output(path=targets[i], topic=doc.topic.id, edition=doc.edition.id,
                                     format=doc.edition.format, size=size, pages=outcome.pages, grade=outcome.grade))
    return result
