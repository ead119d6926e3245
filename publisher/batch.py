"""`publish summary --batch RECIPES_DIR`: many custom files in one pool of warm workers.

The coordinator reads every recipe, topic and clinic profile once, selects the sections
and claims every target before anything is rendered (`plan_batch`). Each file is then a
pure `job.Job`: the selected content, the clinic and the layout files (as data) go in, the
checked bytes come out; the worker reads no project file and writes nothing. The jobs run
on `runner.executor_for`: a local process pool by default (its workers stay warm: weasyprint
is imported once per worker, not once per file, and a worker is replaced after
WORKER_TASKS files so the peak memory stays flat), or a Dask distributed cluster's
(`--scheduler tcp://HOST:PORT`), whose workers need only this package installed. The
results come back in the recipes' order, at most a window of them in flight, and go to the
same all-or-nothing `collect.Collector` as `build`'s.
"""
from __future__ import annotations

from concurrent.futures import Executor
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .clinic import Clinic, read_clinic
from .collect import BuildResult, Collector
from .errors import ContentError, PublishError
from .findings import shown_path
from .job import Job, LayoutBundle, OutputOptions, run_job
from .output import OutputWriter, check_output_place
from .project import Project, build_timestamp, digital_path, load_editions, load_topics
from .runner import executor_for, run_all, worker_count

if TYPE_CHECKING:
    from .summary import SummaryRequest

RECIPE_SUFFIXES = (".yaml", ".yml")
WORKER_TASKS = 40  # files a local worker renders before it is replaced (see build_batch)


def find_recipes(folder: Path) -> list[Path]:
    """The recipe files (*.yaml, *.yml) in `folder`, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix in RECIPE_SUFFIXES and p.is_file())


def plan_batch(project: Project, recipes: list[Path], out_dir: Path,
               topic_dirs: Iterable[Path] = ()) -> list[tuple[Job, Path, "SummaryRequest"]]:
    """Every recipe read, selected and given its target: (job, target, request) in the recipes' order.
    Raises ContentError with the problems of all recipes together, EditionError for an
    unknown topic, edition or section."""
    from .summary import plan_summary, read_recipe, request_titles
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
    digital: dict[tuple[str, str], str | None] = {}  # (topic, language): what its QR codes open
    jobs = []
    for request in requests:
        clinic_file = Path(request.clinic or project.default_clinic).resolve()
        if clinic_file not in clinics:
            clinics[clinic_file] = read_clinic(clinic_file)
        doc, target = plan_summary(request, editions, topics[request.topic], out_dir,
                                   titles=request_titles(project, request), layouts_dir=project.layouts_dir)
        key = (request.topic, doc.topic.language)
        if key not in digital:  # in another language, it plans the topic's editions: once a language
            digital[key] = digital_path(request.topic, editions, lang=doc.topic.language, topic=topics[request.topic])
        options = OutputOptions(timestamp=build_timestamp(doc.topic), digital=digital[key])
        jobs.append((Job(doc=doc, clinic=clinics[clinic_file], layouts=layouts, name=str(shown_path(target)),
                         options=options), target, request))
    return jobs


def build_batch(project: Project, recipes_dir: Path, *, out_dir: Path | None = None, topic_dirs: Iterable[Path] = (),
                jobs: int | None = None, scheduler: str | None = None, executor: Executor | None = None,
                progress: Callable[[str], None] = lambda m: None) -> BuildResult:
    """Build the file of every recipe in `recipes_dir`, all or nothing; returns the outputs (in
    the recipes' order) and their findings. `executor`: any concurrent.futures Executor; else a
    Dask cluster's with `scheduler`, else a local process pool of `jobs` workers (default: the
    machine's cores). Raises PublishError when the folder has no recipe, ContentError /
    EditionError / OutputError before anything is rendered, TemplateError / ChecksFailed
    after, with nothing written."""
    out_dir = Path(out_dir or project.out_dir)
    recipes = find_recipes(recipes_dir)
    if not recipes:
        raise PublishError(f"no recipe files (*.yaml) in {recipes_dir}")
    progress(f"1/3 reading {len(recipes)} recipe(s) and their content")
    check_output_place(project.root, out_dir)
    writer = OutputWriter(out_dir)
    out_root = writer.prepare()
    planned = plan_batch(project, recipes, out_root, topic_dirs)
    targets = [writer.claim(target) for _, target, _ in planned]  # two recipes writing one file: o-002
    progress(f"2/3 rendering {len(planned)} file(s)")
    window = 64 if scheduler else 4 * worker_count(jobs, len(planned))  # jobs in flight
    given = nullcontext(executor) if executor is not None else \
        executor_for(jobs, work=len(planned), scheduler=scheduler, tasks_per_worker=WORKER_TASKS)
    with given as pool, Collector(writer, keep_readings=False) as collector:
        for i, outcome in run_all(pool, run_job, [job for job, _, _ in planned], window=window):
            collector.add(i, targets[i], planned[i][0].doc, outcome)  # staged on disk: the bytes are not kept
        progress("3/3 writing the files")
        result = collector.commit()
    from .summary import record_selections
    record_selections(project, [(target, request) for target, (_, _, request) in zip(targets, planned)])
    return result
