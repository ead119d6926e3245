"""Shared fixtures and paths for every test. Read this before writing a test that builds.

A build costs seconds, and the suite must stay within its time budget (the whole suite,
validators included, in at most 5 minutes on a 2-core machine; `-m "not slow"` in 90 s). So:

Build once, share, never edit what is shared
    `built`          every edition of the bundled topic (`neuroplasticity`) and of the
                     test topic (`sleep-hygiene`), built once per session from this checkout
                     into a temporary folder -> (out_dir, BuildResult). Find one file with
                     `output(built, topic, edition)`. Read it; never write into it (copy it
                     first, e.g. `shutil.copytree(built[0], tmp_path / "handouts")`).
    `built_full`     the same with `check="full"` (EPUBCheck, Ace and axe ran before the
                     files were moved into place). Validator tests only (`validators` mark).
    `validated`      what the validators said (in `built_full`'s full check) about every EPUB
                     and HTML file of it -> (files, runs).
    `tiny_built`     the tiny topic (`tests/fixtures/topics/tiny`: every edition, one page
                     each) built once in its own project copy -> (project root, out_dir,
                     snapshot {relative path: bytes}). Prefer it to `built` whenever the test is
                     not about the whole bundled topic.
    `project`        `Project(ROOT)`: read-only use (load editions, topics; build into tmp_path).

Build what the test changes, small
    `project_copy`   a throwaway copy of source/ and layouts/ (function scope), safe to edit.
    `tiny_project`   a throwaway project holding only the tiny topic (function scope).
    A test that must build something of its own builds the fewest editions and topics that
    show its point (`editions=[...]`, `topics=[...]`), into `tmp_path`.

Validators
    Mark a test that runs EPUBCheck, Ace or axe with `@pytest.mark.validators` (it is then
    also `slow`): where one cannot run, it skips with a one-line reason, and fails instead
    when `CI=true`. Run a validator once over a batch of files, never once per test.

Nothing into the checkout
    The build cache of builds from this checkout goes to a session temporary folder (not
    `.cache/` here), and the session fails if a test wrote into `.cache/` or `handouts/`
    of the checkout. Build into `tmp_path` / `tmp_path_factory` folders only.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from publisher.build import BuildOptions, Project, build_editions

ROOT = Path(__file__).resolve().parents[1]
SLEEP_TOPIC = ROOT / "tests" / "fixtures" / "topics" / "sleep-hygiene"
TINY_TOPIC = ROOT / "tests" / "fixtures" / "topics" / "tiny"
#: The article the bundled topic was written from, kept beside it (not read as content).
SEED = ROOT / "source" / "neuroplasticity" / "original" / "article.txt"
#: Folders of the checkout that no test may write into.
GUARDED = (ROOT / ".cache", ROOT / "handouts")
#: The one page finding a file laid out as well as it can be still gets: a safety block
#: taller than a page breaks inside its signs list (g-004 warning, README).
TALL_SAFETY = "is taller than a page, so its signs list breaks"


def page_faults(lines) -> list[str]:
    """The g- lines (or findings, as text) of `lines` but the tall safety block's warning."""
    return [str(line) for line in lines if str(line).startswith("g-") and TALL_SAFETY not in str(line)]


# -- validators: skip (outside CI) or fail (CI=true) where they cannot run ---------------------

def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("validators") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


_VALIDATORS_MISSING: list[str] | None = None


def missing_validators() -> list[str]:
    """What keeps a validator from running here, "tool lacks what" each ([] when all can run)."""
    global _VALIDATORS_MISSING
    if _VALIDATORS_MISSING is None:
        from publisher.verify.tools import find_tools
        tools = find_tools(ROOT)
        _VALIDATORS_MISSING = [f"{tool} lacks {' and '.join(missing)}" for tool in ("epubcheck", "ace", "axe")
                               if (missing := tools.missing_for(tool))]
    return _VALIDATORS_MISSING


def missing_browser() -> list[str]:
    """What keeps the browser tests (publish serve in Debian's Chromium) from running here."""
    from publisher.verify.tools import find_tools
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    tools = find_tools(ROOT)
    if tools.chromium is None:
        missing.append("chromium (apt-get install chromium)")
    if tools.axe_modules is None:
        missing.append("axe-core in node_modules (PUPPETEER_SKIP_DOWNLOAD=1 npm ci)")
    return missing


def pytest_runtest_setup(item):
    """A test marked `validators` or `browser` whose tools are missing: one-line skip outside
    CI, a failure with CI=true (one place for both kinds)."""
    for marker, missing_for, what in (("validators", missing_validators, "validators"),
                                      ("browser", missing_browser, "the browser tests")):
        if item.get_closest_marker(marker) and (missing := missing_for()):
            from publisher.verify.tools import in_ci
            reason = f"{what} cannot run here: {', '.join(missing)} (./scripts/test installs them)"
            if in_ci():
                pytest.fail(f"CI=true: {reason}", pytrace=False)
            pytest.skip(reason)


# -- nothing into the checkout ----------------------------------------------------------------

def _listing(folders) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for folder in folders if folder.exists() for p in folder.rglob("*")}


def pytest_sessionstart(session):
    session.config._guarded_before = _listing(GUARDED)  # type: ignore[attr-defined]


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_guarded_before", None)
    if before is None or not hasattr(session, "testscollected") or session.testscollected == 0:
        return
    written = sorted(set(_listing(GUARDED).items()) - set(before.items()))
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (f"tests wrote into the checkout ({len(written)} file(s), e.g. {written[0][0]}): "
                   "build into tmp_path, never into .cache/ or handouts/ here")
        if reporter:
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _build_cache_outside_the_checkout(tmp_path_factory):
    """Builds from this checkout keep their cache (`.cache/builds/`, `fonts/`, `selections/`) in a
    session temporary folder instead of here. Other projects (copies in tmp_path) keep theirs
    beside them."""
    import publisher.cache as cache
    real, real_fonts, real_selections = cache.cache_file, cache.font_cache_dir, cache.selections_dir
    folder = tmp_path_factory.mktemp("build-cache")

    def cache_file(project_root: Path, out_dir: Path) -> Path:
        path = real(project_root, out_dir)
        return folder / path.name if Path(project_root).resolve() == ROOT else path

    def font_cache_dir(project_root: Path) -> Path:
        return folder / "fonts" if Path(project_root).resolve() == ROOT else real_fonts(project_root)

    def selections_dir(project_root: Path) -> Path:
        return folder / "selections" if Path(project_root).resolve() == ROOT else real_selections(project_root)

    patch = pytest.MonkeyPatch()
    patch.setattr(cache, "cache_file", cache_file)
    patch.setattr(cache, "font_cache_dir", font_cache_dir)
    patch.setattr(cache, "selections_dir", selections_dir)
    yield folder
    patch.undo()


# -- shared builds --------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_project(where: Path, *, topics=("tiny",)) -> Path:
    """A project at `where` with this checkout's editions, clinic and layouts, and the named
    topics ("tiny" is tests/fixtures/topics/tiny; others come from source/)."""
    (where / "source").mkdir(parents=True)
    for name in ("editions.yaml", "clinic.yaml"):
        shutil.copy(ROOT / "source" / name, where / "source" / name)
    shutil.copytree(ROOT / "layouts", where / "layouts")
    for topic in topics:
        # The topic in its own language only: tests that edit the English text would make its
        # translations stale (n-001; translations are tested in tests/test_translations.py).
        shutil.copytree(TINY_TOPIC if topic == "tiny" else ROOT / "source" / topic, where / "source" / topic,
                        ignore=shutil.ignore_patterns("*.es.md", "*.es.yaml"))
    return where


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def built(tmp_path_factory, project):
    """Every edition of the bundled topic and of the test topic, built once."""
    out = tmp_path_factory.mktemp("handouts")
    result = build_editions(project, BuildOptions(out_dir=out, topic_dirs=[SLEEP_TOPIC]))
    return out, result


@pytest.fixture(scope="session")
def built_full(tmp_path_factory, project):
    """Both topics built with `check="full"` (`publish build --check full`): every EPUB and HTML
    output went through EPUBCheck, Ace and axe before it was moved into place."""
    out = tmp_path_factory.mktemp("handouts-full")
    result = build_editions(project, BuildOptions(out_dir=out, topic_dirs=[SLEEP_TOPIC], check="full"))
    return out, result


@pytest.fixture(scope="session")
def validated(built_full):
    """What the validators said about every EPUB and HTML file of `built_full`: the runs its
    full check made (batched: EPUBCheck in one JVM, Ace per book, axe in one browser session),
    each naming its file relative to the output folder -> (files, runs). Not run again."""
    from dataclasses import replace
    out, result = built_full
    files = {p: p.relative_to(out).as_posix() for p in sorted(out.rglob("*")) if p.suffix in (".epub", ".html")}
    runs = [replace(r, file=Path(r.file).relative_to(out.resolve()).as_posix()) if r.file else r
            for r in result.validations]
    return files, runs


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes]]:
    """The tiny topic, every edition, built once (with its cache, in the project's folder)
    -> (project root, out_dir, snapshot of out_dir). Read only: copy the root to change it."""
    root = make_project(tmp_path_factory.mktemp("tiny-built") / "project")
    out = root / "handouts"
    build_editions(Project(root), BuildOptions(out_dir=out))
    return root, out, snapshot(out)


def output(built, topic: str, edition: str, lang: str | None = None) -> Path:
    """The built file of an edition of a topic: in the topic's own language (its name has no
    language), or in `lang` (<topic>-<edition>.<lang>.<ext>)."""
    out, result = built
    matches = [o.path for o in result.outputs if o.topic == topic and o.edition == edition
               and (o.path.stem == f"{topic}-{edition}" if lang is None else o.language == lang)]
    assert len(matches) == 1, f"no single output for {topic}/{edition}"
    return matches[0]


@pytest.fixture
def project_copy(tmp_path) -> Project:
    """A throwaway copy of the project's source/ and layouts/, safe to edit; its root is
    tmp_path, so a test builds into a folder of its own (tmp_path / "out"): never into the
    project folder itself (o-005)."""
    for name in ("source", "layouts"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return Project(tmp_path)


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    """A throwaway project with only the tiny topic (root folder), safe to edit."""
    return make_project(tmp_path / "project")


def make_output(doc, *, clinic, project: Project, name: str):
    """One output made in memory by the job every build runs (`job.run_job`), dated as the
    build dates it; a failed one raises its error (TemplateError or ChecksFailed)."""
    from publisher.job import Job, OutputOptions, run_job
    from publisher.project import build_timestamp
    result = run_job(Job(doc=doc, clinic=clinic, layouts=project.layouts_dir, name=name,
                         options=OutputOptions(timestamp=build_timestamp(doc.topic))))
    result.raise_failure()
    return result
