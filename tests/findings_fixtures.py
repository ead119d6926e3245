"""Running the one-folder-per-finding-code fixtures of tests/fixtures/findings/.

Each `<code>/` folder holds `in/` and `expected.txt` (the finding lines the fixture must
produce, exactly as `publish` prints them), and optionally `args.txt` (extra `publish
build` arguments). Two kinds of `in/`:

- a project overlay (`in/source/...`, `in/layouts/...`): copied over a fresh project made of
  the real editions.yaml, clinic.yaml and layouts/, then `publish build --root . -o out`
  runs there, so messages name files relative to that project, as an editor sees them;
- one output file (`in/<name>.pdf|.epub|.html`): the fast checks of its format run on it;
  a `*.large-print.pdf` is a large-print edition, so the large-print check runs too (as in
  the build);
- recorded validator output (`in/<output file>.<tool>.json`, tool: epubcheck, ace, axe): that
  tool's report on the output file, as tests/fixtures/validators/ holds them, read by our
  adapter's parser. `in/<output file>.<tool>.missing` (its text says why): the adapter is
  asked to run the tool on a machine with none of the validators' runtimes, not in CI.

Inputs too large to commit (the limits of publisher/limits.py) are made by the fixture's
`make.py`: its `make(project)` writes them into the project after `in/` is copied.

Options: `locked.txt` (its text says why): another process holds the output folder's lock
while the command runs, as a build in progress does. `args.txt` holds the extra `publish build` arguments, or a whole other command
(`summary ...`, `check ...`) run in the project; `today.txt` the date the build takes as
today (default FIXTURE_TODAY: no fixture depends on the real clock). A command that prints
only warnings must succeed (exit 0); the runner checks that itself.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib
import json
import re
import runpy
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "findings"
OUTPUT_SUFFIXES = {".pdf": "pdf", ".epub": "epub", ".html": "html"}
# What `publish` exits with for a finding of each group (README: exit codes); c-022 is a
# content problem only the PDF renderer can see, so it fails the output's checks.
EXIT_CODES = {"b": 3, "c": 3, "d": 3, "t": 5, "o": 6, "p": 7, "e": 7, "h": 7, "s": 7, "r": 7, "l": 7, "g": 7, "u": 3,
              "v": 7, "c-022": 7, "d-002": 4,
              # u-002..u-009: what was asked for on the command line (ids, topic, file type, language, ...)
              **{f"u-00{n}": 4 for n in range(2, 10)},
              # translations: a file problem is a content error; a stale one fails the output's
              # checks; a missing one refuses the request (like an unknown section id)
              "n": 3, "n-001": 7, "n-003": 4,
              # publish import: a document it cannot read is a content error; an existing
              # topic is an output that cannot be written
              "i": 3, "i-005": 6}
# The date every build fixture takes as today, unless its today.txt says otherwise: the
# tiny topics were reviewed 2026-01-01 and are due again 2027-01-01.
FIXTURE_TODAY = dt.date(2026, 3, 1)
COMMANDS = ("build", "summary", "check", "import")
RECORDED = re.compile(r"^(?P<output>.+\.(?:epub|html))\.(?P<tool>epubcheck|ace|axe)\.(?P<kind>json|missing)$")


def exit_code_for(code: str) -> int:
    return EXIT_CODES.get(code, EXIT_CODES[code[0]])


@dataclass
class Run:
    exit_code: int | None
    lines: list[str]  # what was printed, one line each


def fixture_codes() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and (p / "expected.txt").exists())


def expected_lines(code: str) -> list[str]:
    return [line for line in (FIXTURES / code / "expected.txt").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def make_project(code: str, where: Path) -> Path:
    for name in ("editions.yaml", "clinic.yaml"):
        (where / "source").mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "source" / name, where / "source" / name)
    shutil.copytree(ROOT / "layouts", where / "layouts")
    shutil.copytree(FIXTURES / code / "in", where, symlinks=True, dirs_exist_ok=True)
    maker = FIXTURES / code / "make.py"
    if maker.exists():
        runpy.run_path(str(maker))["make"](where)
    return where


def run_fixture(code: str, where: Path, monkeypatch) -> Run:
    """Run one fixture inside `where` (made the working folder) and return what it printed."""
    folder = FIXTURES / code
    monkeypatch.chdir(where)
    recorded = [p for p in (folder / "in").iterdir() if RECORDED.match(p.name)]
    if recorded:
        monkeypatch.delenv("CI", raising=False)  # in CI a missing validator is an error, here a warning
        return Run(None, [line for path in recorded for line in _validator_lines(path, folder)])
    files = [p for p in (folder / "in").iterdir() if p.suffix in OUTPUT_SUFFIXES]
    if files:
        return Run(None, [line for path in files for line in _output_lines(path, folder)])
    import publish
    import publisher.build
    make_project(code, where)
    args_file = folder / "args.txt"
    extra = shlex.split(args_file.read_text()) if args_file.exists() else []
    command = extra if extra and extra[0] in COMMANDS else ["build", "--root", ".", "-o", "out", *extra]
    today_file = folder / "today.txt"
    today = dt.date.fromisoformat(today_file.read_text().strip()) if today_file.exists() else FIXTURE_TODAY
    real = publisher.build.build_editions
    monkeypatch.setattr(publisher.build, "build_editions", lambda project, options, **kw: real(
        project, dataclasses.replace(options, today=today), **kw))
    with _locked_by_another_build(where / "out") if (folder / "locked.txt").exists() else contextlib.nullcontext():
        result = CliRunner().invoke(publish.cli, command)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    # `check` and `import` print their report on stdout; `import` its refusals on stderr
    lines = (result.stdout + result.stderr if command[0] == "check" else result.output if command[0] == "import"
             else result.stderr).splitlines()
    if command[0] == "check" or not any("[error]" in line for line in expected_lines(code)):
        # `publish check` ends with its count line, not "Error: ...", and a fixture of
        # warnings builds its files: the exit code is checked here, not by the test.
        errors = any(f"{code} [error]" in line for line in expected_lines(code))
        assert result.exit_code == (exit_code_for(code) if errors else 0), (result.exit_code, lines)
        return Run(None, lines)
    return Run(result.exit_code, lines)


@contextlib.contextmanager
def _locked_by_another_build(folder: Path):
    """The output folder locked by another process, as a build in progress holds it."""
    import subprocess
    import sys
    folder.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()", str(folder)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("", timeout=30)


def _output_lines(path: Path, folder: Path) -> list[str]:
    """The fast checks of the file's format, and the large-print check on a large-print PDF."""
    from publisher.report import format_finding
    from publisher.verify import largeprint
    name = path.relative_to(folder).as_posix()
    data = path.read_bytes()
    found = importlib.import_module(f"publisher.verify.{OUTPUT_SUFFIXES[path.suffix]}").check(data, name=name)
    if path.name.endswith(".large-print.pdf"):
        found += largeprint.check(data, name=name)
    return [format_finding(f) for f in found]


def _validator_lines(path: Path, folder: Path) -> list[str]:
    """A validator's recorded report through its adapter's parser, or the adapter asked to
    run the validator on a machine that lacks what `.missing` lists."""
    from publisher.report import format_finding
    from publisher.verify import ace, axe, epubcheck
    from publisher.verify.tools import Tools
    match = RECORDED.match(path.name)
    name = (path.parent / match["output"]).relative_to(folder).as_posix()
    tool, kind = match["tool"], match["kind"]
    if kind == "missing":
        tools = Tools(java=None, epubcheck_jar=None, node=None, node_modules=None, chromium=None)
        run = {"epubcheck": epubcheck.run_epubcheck, "ace": ace.run_ace, "axe": axe.run_axe}[tool]
        runs = run({path.parent / match["output"]: name}, tools)
    else:
        report = json.loads(path.read_text(encoding="utf-8"))
        if tool == "axe":
            runs = axe.parse_output(report, {Path(page["file"]): name for page in report["pages"]})
        else:
            runs = [{"epubcheck": epubcheck, "ace": ace}[tool].parse_report(report, file=name)]
    return [format_finding(f) for run in runs for f in run.findings]
