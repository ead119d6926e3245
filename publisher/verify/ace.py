"""EPUB files -> DAISY Ace 1.4.6 verdicts (`ValidatorRun`s of `e-003` findings).

Ace runs through its puppeteer CLI (`@daisy/ace-cli`; the default `ace` bin needs Electron,
which cannot be downloaded here) on Debian's Chromium. Every failed assertion is a violation
and Ace's outcome is "fail" whatever its impact, so each one is an error finding; the impact
(critical, serious, moderate, minor) is in the message.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..findings import Finding, Severity
from .tools import Tools, ValidatorRun, skipped_runs

TOOL = "ace"
TIMEOUT = 600  # seconds for one book
IMPACTS = ("critical", "serious", "moderate", "minor")
# Chromium flags (../shared/STANDARDS.md section 5). Debian's chromium wrapper ignores
# CHROMIUM_FLAGS, and Ace passes only --no-sandbox, so a small script adds the rest.
CHROMIUM_FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run")
# Ace gives Chromium 5 s to start, tight on 2 busy cores; and 4 minutes per document.
ENV = {"PUPPETEER_SKIP_DOWNLOAD": "1", "ACE_TIMEOUT_INITIAL": "60000", "ACE_TIMEOUT_EXTENSION": "300000"}


def _violations(node, subject=None):
    """Yield (document, assertion) for every failed assertion in Ace's nested EARL report."""
    if isinstance(node, list):
        for item in node:
            yield from _violations(item, subject)
        return
    if not isinstance(node, dict):
        return
    subject = (node.get("earl:testSubject") or {}).get("url", subject)
    if "earl:test" in node and (node.get("earl:result") or {}).get("earl:outcome") == "fail":
        yield subject, node
    yield from _violations(node.get("assertions", []), subject)


def parse_report(report: dict, *, file: str) -> ValidatorRun:
    """One Ace report.json -> a ValidatorRun with one finding per violation."""
    findings, counts = [], dict.fromkeys(IMPACTS, 0)
    for document, assertion in _violations(report.get("assertions", [])):
        test, result = assertion["earl:test"], assertion["earl:result"]
        impact = test.get("earl:impact", "serious")
        counts[impact] = counts.get(impact, 0) + 1
        pointer = (result.get("earl:pointer") or {}).get("css") or []
        where = f" in {document}" + (f" at `{pointer[0]}`" if pointer else "")
        snippet = f" ({result['html'][:120]})" if result.get("html") else ""
        help_ = test.get("help") or {}
        hint = " ".join(x for x in (help_.get("dct:description") or test.get("dct:description"), help_.get("url")) if x)
        said = result.get("dct:description", "").strip()
        detail = test.get("dct:description", "").strip()  # Ace's own checks name the bad value here
        if detail and detail != said:
            said += f" ({detail})"
        findings.append(Finding("e-003", f"{test.get('dct:title')} [{impact}]: {said}{where}{snippet}",
                                Severity.ERROR, file, None, hint or None, TOOL))
    outcome = (report.get("earl:result") or {}).get("earl:outcome", "?")
    version = (((report.get("earl:assertedBy") or {}).get("doap:release") or {}).get("doap:revision", "?"))
    by_impact = ", ".join(f"{counts[i]} {i}" for i in IMPACTS)
    summary = f"Ace {version}: outcome {outcome}, {len(findings)} violations ({by_impact})"
    return ValidatorRun(TOOL, file, summary, tuple(findings))


def run_ace(files: dict[Path, str], tools: Tools, *, jobs: int = 2) -> list[ValidatorRun]:
    """Check each EPUB on disk (Ace takes one book per call; two calls run at a time)."""
    if not files:
        return []
    skipped = skipped_runs(TOOL, tools, files.values())
    if skipped:
        return skipped
    with tempfile.TemporaryDirectory(prefix="ace-") as tmp:
        browser = chromium_wrapper(tools.chromium, Path(tmp))
        env = {**os.environ, **ENV, "PUPPETEER_EXECUTABLE_PATH": str(browser)}

        def one(item):
            index, (path, name) = item
            out = Path(tmp) / f"report-{index}"
            done = subprocess.run([str(tools.node), str(tools.ace_cli), "--force", "--silent", "--outdir", str(out),
                                   "--tempdir", str(Path(tmp) / f"work-{index}"), str(path)],
                                  capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
            report = out / "report.json"
            if done.returncode != 0 or not report.exists():
                why = (done.stderr or done.stdout or "no message").strip()[-500:]
                return ValidatorRun(TOOL, name, "Ace did not run", (Finding(
                    "e-003", f"Ace could not check the book (exit {done.returncode}): {why}", Severity.ERROR,
                    name, None, "Run node_modules/.bin/ace-cli on the file by hand to see why.", TOOL),))
            return parse_report(json.loads(report.read_text(encoding="utf-8")), file=name)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, enumerate(files.items())))


def chromium_wrapper(chromium: Path, folder: Path) -> Path:
    """A script that starts Debian's Chromium with the flags puppeteer cannot be told about."""
    script = folder / "chromium"
    flags = " ".join(CHROMIUM_FLAGS)
    script.write_text(f'#!/bin/sh\nexec "{chromium}" {flags} "$@"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script
