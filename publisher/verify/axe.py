"""HTML files -> axe-core 4.14 verdicts (`ValidatorRun`s of `h-002` findings).

All pages are checked in one headless Chromium session (runners/axe-run.js, driven by
playwright-core with Debian's Chromium: no browser is ever downloaded), with the WCAG 2.0
and 2.1 A and AA rules, each at 390 px (a phone) and at 1280 px; a page that scrolls
sideways at 390 px is reported too (rule `reflow`, WCAG 1.4.10, which axe does not test).
Each violated rule is an error; its impact is in the message.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ..findings import Finding, Severity
from .tools import Tools, ValidatorRun, skipped_runs

TOOL = "axe"
RUNNER = Path(__file__).parent / "runners" / "axe-run.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
TIMEOUT = 600
SHOWN_TARGETS = 3  # elements named in a finding; the rest are counted


def parse_page(page: dict, *, file: str, version: str) -> ValidatorRun:
    """One page's result from axe-run.js -> a ValidatorRun with one finding per violated rule."""
    if page.get("error"):
        return ValidatorRun(TOOL, file, "axe did not run", (Finding(
            "h-002", f"axe could not check the page: {page['error']}", Severity.ERROR, file, None,
            "Open the page in Chromium to see whether it loads.", TOOL),))
    findings = []
    for violation in page.get("violations", []):
        nodes = violation.get("nodes", [])
        targets = [" ".join(map(str, n.get("target", []))) for n in nodes]
        where = ", ".join(f"`{t}`" for t in targets[:SHOWN_TARGETS])
        if len(targets) > SHOWN_TARGETS:
            where += f" and {len(targets) - SHOWN_TARGETS} more"
        detail = ""
        if nodes and nodes[0].get("failureSummary"):
            detail = " " + " ".join(nodes[0]["failureSummary"].split())
        findings.append(Finding(
            "h-002", f"{violation.get('id')} [{violation.get('impact')}]: {violation.get('help')} at {where}.{detail}",
            Severity.ERROR, file, None, violation.get("helpUrl") or None, TOOL))
    widths = page.get("viewports")
    at = f" at {' and '.join(map(str, widths))} px" if widths else ""
    summary = f"axe-core {page.get('axe', version)}: {len(findings)} violations ({', '.join(TAGS)}){at}"
    return ValidatorRun(TOOL, file, summary, tuple(findings))


def parse_output(output: dict, files: dict[Path, str]) -> list[ValidatorRun]:
    by_file = {str(p["file"]): p for p in output.get("pages", [])}
    version = output.get("axe", "?")
    return [parse_page(by_file.get(str(path), {"error": "no result"}), file=name, version=version)
            for path, name in files.items()]


def run_axe(files: dict[Path, str], tools: Tools) -> list[ValidatorRun]:
    """Check each HTML page on disk in one browser session."""
    if not files:
        return []
    skipped = skipped_runs(TOOL, tools, files.values())
    if skipped:
        return skipped
    # NODE_PATH: the runner lives in this package, which may sit outside the project folder.
    env = {**os.environ, "NODE_PATH": str(tools.axe_modules), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    done = subprocess.run([str(tools.node), str(RUNNER), str(tools.chromium), ",".join(TAGS), *map(str, files)],
                          capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
    if done.returncode != 0:
        why = (done.stderr or "no message").strip()[-500:]
        return [ValidatorRun(TOOL, name, "axe did not run", (Finding(
            "h-002", f"axe could not start Chromium (exit {done.returncode}): {why}", Severity.ERROR, name, None,
            "Check that `chromium --headless --no-sandbox` starts on this machine.", TOOL),))
            for name in files.values()]
    return parse_output(json.loads(done.stdout), files)
