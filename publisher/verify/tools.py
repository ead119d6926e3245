"""Where the external validators are: Java + the EPUBCheck jar, Node + node_modules, Chromium.

`find_tools()` looks once and returns a `Tools` value; each adapter asks it for what it needs
and gets either the paths or the reason the validator cannot run. A missing validator is a
`v-001` finding that says what is missing and how to install it: a warning on a staff
machine (the check is skipped, and said to be), an error in CI (`CI=true`), where a silent
skip would let a broken output through.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..findings import Finding, Severity

#: The versions ../shared/STANDARDS.md section 5 holds the outputs to.
EPUBCHECK_VERSION = "5.3.0"
ACE_VERSION = "1.4.6"
AXE_VERSION_PREFIX = "4.14"

INSTALL = {
    "java": "install a Java runtime (Debian: apt-get install default-jre-headless)",
    "epubcheck": f"pip install 'epubcheck=={EPUBCHECK_VERSION}' (or pip install -e '.[test]')",
    "node": "install Node.js 20 (Debian: apt-get install nodejs npm)",
    "node_modules": "run `PUPPETEER_SKIP_DOWNLOAD=1 npm ci` in the project folder (package.json lists Ace, axe-core, playwright-core)",
    "chromium": "apt-get install chromium (or set CHROMIUM to a Chromium binary)",
}


def in_ci() -> bool:
    """CI sets CI=true: there, a validator that cannot run is a failure, never a skip."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class Tools:
    java: Path | None
    epubcheck_jar: Path | None
    node: Path | None
    node_modules: Path | None
    chromium: Path | None

    def missing_for(self, tool: str) -> list[str]:
        """The names (keys of INSTALL) of what `tool` ("epubcheck", "ace", "axe") lacks."""
        needs = {"epubcheck": {"java": self.java, "epubcheck": self.epubcheck_jar},
                 "ace": {"node": self.node, "node_modules": self.ace_cli, "chromium": self.chromium},
                 "axe": {"node": self.node, "node_modules": self.axe_modules, "chromium": self.chromium}}[tool]
        return [name for name, found in needs.items() if found is None]

    @property
    def ace_cli(self) -> Path | None:
        return _existing(self.node_modules, "@daisy/ace-cli/bin/ace.js")

    @property
    def axe_modules(self) -> Path | None:
        if _existing(self.node_modules, "axe-core/axe.min.js") and _existing(self.node_modules, "playwright-core/package.json"):
            return self.node_modules
        return None


def _existing(base: Path | None, relative: str) -> Path | None:
    if base is None:
        return None
    path = base / relative
    return path if path.exists() else None


def _node_modules(start_dirs) -> Path | None:
    """The first node_modules folder in or above the given folders (npm's own lookup)."""
    for start in start_dirs:
        for folder in [Path(start).resolve(), *Path(start).resolve().parents]:
            candidate = folder / "node_modules"
            if candidate.is_dir():
                return candidate
    return None


def _epubcheck_jar() -> Path | None:
    try:
        import epubcheck  # the PyPI package bundles the official jar and its lib/ folder
    except ImportError:
        return None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    return jar if jar.exists() else None


def _which(name: str, env: str | None = None, default: str | None = None) -> Path | None:
    value = os.environ.get(env) if env else None
    for candidate in (value, shutil.which(name), default):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return None


def find_tools(project_root: Path | None = None) -> Tools:
    """Look for every validator's runtime. node_modules is looked for in and above the project
    folder, the current folder, then this package (an editable install of the repository)."""
    starts = [p for p in (project_root, Path.cwd(), Path(__file__).parent) if p is not None]
    modules = Path(os.environ["CLINIC_HANDOUTS_NODE_MODULES"]) if os.environ.get("CLINIC_HANDOUTS_NODE_MODULES") \
        else _node_modules(starts)
    return Tools(java=_which("java", "JAVA"), epubcheck_jar=_epubcheck_jar(), node=_which("node", "NODE"),
                 node_modules=modules, chromium=_which("chromium", "CHROMIUM", "/usr/bin/chromium"))


def unavailable(tool: str, missing: list[str], *, files=()) -> Finding:
    """The v-001 finding for a validator that cannot run: what is missing and how to install it."""
    how = "; ".join(f"{name}: {INSTALL[name]}" for name in missing)
    names = {"epubcheck": "EPUBCheck", "ace": "DAISY Ace", "axe": "axe-core"}
    what = ", ".join(str(f) for f in files)
    message = (f"{names[tool]} was not run{' on ' + what if what else ''}: "
               f"{', '.join(missing)} not found")
    severity = Severity.ERROR if in_ci() else Severity.WARNING
    return Finding("v-001", message, severity, None, None, f"Install it: {how}.", tool)


@dataclass(frozen=True)
class ValidatorRun:
    """One validator's verdict on one file (or, when it could not run, on none)."""

    tool: str  # "epubcheck" | "ace" | "axe"
    file: str | None  # the file as the user named it; None for a skipped validator
    summary: str  # the tool's own summary line, e.g. "0 fatal / 0 errors / 0 warnings / 0 usages"
    findings: tuple[Finding, ...] = ()
    skipped: bool = False

    @property
    def clean(self) -> bool:
        """Ran, and reported nothing at all (no message of any severity)."""
        return not self.skipped and not self.findings


def skipped_runs(tool: str, tools: Tools, files) -> list[ValidatorRun]:
    """[the skipped run, with its v-001 finding] when `tool` cannot run here, else []."""
    missing = tools.missing_for(tool)
    if not missing:
        return []
    return [ValidatorRun(tool, None, "skipped: " + ", ".join(missing) + " not found",
                         (unavailable(tool, missing, files=files),), skipped=True)]
