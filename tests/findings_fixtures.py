"""Running the one-folder-per-finding-code fixtures of tests/fixtures/findings/.

Each `<code>/` folder holds `in/` and `expected.txt` (the finding lines the fixture must
produce, exactly as `publish` prints them), and optionally `args.txt` (extra `publish
build` arguments). Two kinds of `in/`:

- a project overlay (`in/source/...`, `in/layouts/...`): copied over a fresh project made of
  the real editions.yaml, clinic.yaml and layouts/, then `publish build --root . -o out`
  runs there, so messages name files relative to that project, as an editor sees them;
- one output file (`in/<name>.pdf|.epub|.html`): the fast checks of its format run on it.
"""
from __future__ import annotations

import importlib
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
EXIT_CODES = {"c": 3, "d": 3, "t": 5, "o": 6, "p": 7, "e": 7, "h": 7, "s": 7, "c-022": 7}


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
    return where


def run_fixture(code: str, where: Path, monkeypatch) -> Run:
    """Run one fixture inside `where` (made the working folder) and return what it printed."""
    folder = FIXTURES / code
    files = [p for p in (folder / "in").iterdir() if p.suffix in OUTPUT_SUFFIXES]
    monkeypatch.chdir(where)
    if files:
        from publisher.report import format_finding
        module = importlib.import_module(f"publisher.verify.{OUTPUT_SUFFIXES[files[0].suffix]}")
        name = files[0].relative_to(folder).as_posix()
        return Run(None, [format_finding(f) for f in module.check(files[0].read_bytes(), name=name)])
    import publish
    make_project(code, where)
    args_file = folder / "args.txt"
    extra = shlex.split(args_file.read_text()) if args_file.exists() else []
    result = CliRunner().invoke(publish.cli, ["build", "--root", ".", "-o", "out", *extra])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stderr.splitlines())
