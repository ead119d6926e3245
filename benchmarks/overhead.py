"""Overhead over the renderer (issue 10, section 4), measured inside one process.

`python benchmarks/overhead.py editions PROJECT RUNS` prints, as JSON, for every PDF edition
of the bundled topic (in every language it is built in): the time of our own work for it (`job.run_job`: render the
templates, lay out and write with WeasyPrint, repair, read once, measure, check) and the
time of WeasyPrint's bare layout and write of the same HTML with the same stylesheets
(`weasyprint.HTML(string=...).write_pdf(stylesheets=..., pdf_variant="pdf/ua-1")`, what
`weasyprint --pdf-variant pdf/ua-1 -s print.css page.html out.pdf` does), both warm, run
alternately, RUNS times each; and apart, the first run of each in the process ("first").

`python benchmarks/overhead.py build PROJECT OUT` runs `publish build --root PROJECT
--force --jobs 1 -o OUT` in this (cold) process and prints the time it took and the part of it
spent inside WeasyPrint: its import and every call into it (stylesheets, HTML parsing,
layout, PDF writing).

`python benchmarks/overhead.py build-unchecked PROJECT OUT` is an experiment, not a way to
build: the same, with the PDF/UA repair and every check of the written files left out (the
reading level, the PDF/UA and safety checks, the page checks on the layout). What it costs
outside WeasyPrint is what reading the content, the templates, the EPUBs and web pages and the
imports take; the difference with `build` is what the repair and the checks take.

Times are CPU seconds of this process (time.process_time) and wall seconds: on a machine
shared with other work the CPU time is the steadier of the two; the ratios of both are
printed by benchmarks/bench.py.
"""
from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

TOPIC = "neuroplasticity"


class Clock:
    """Wall and CPU time of a block, added up over several uses."""

    def __init__(self):
        self.wall = self.cpu = 0.0
        self._depth = 0

    def __enter__(self):
        if not self._depth:
            self._start = (time.perf_counter(), time.process_time())
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if not self._depth:
            self.wall += time.perf_counter() - self._start[0]
            self.cpu += time.process_time() - self._start[1]


def _timed(clock: Clock, function):
    def call(*args, **kwargs):
        with clock:
            return function(*args, **kwargs)
    return call


def editions(root: Path, runs: int) -> dict:
    """{edition (language): {"ours": [(wall, cpu)...], "bare": [...]}} for each PDF edition of
    the bundled topic in the project in `root`, in every language the build makes it in."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from publisher.clinic import read_clinic
    from publisher.job import Job, OutputOptions, render_edition, run_job
    from publisher.project import Project, build_timestamp, load_editions, load_topics
    from publisher.translations import plan
    from publisher.verify.readability import block_score
    from publisher.writers import embed_images
    from publisher.writers.pdf import RestrictedFetcher, needed_files

    project = Project(root)
    all_editions = load_editions(project)
    topic = load_topics(project, [TOPIC])[TOPIC]
    clinic = read_clinic(project.default_clinic)

    def ours(doc) -> tuple[float, float]:
        # Each run counts its paragraphs' reading level again: the scores a whole build shares
        # between editions (readability.block_score) would flatter an edition built alone.
        block_score.cache_clear()
        gc.collect()  # both start from the same state: no garbage left by the other
        clock = Clock()
        with clock:
            run_job(Job(doc=doc, clinic=clinic, layouts=project.layouts_dir, name=f"{doc.edition.id}.pdf",
                        options=OutputOptions(timestamp=build_timestamp(doc.topic)))).raise_failure()
        return clock.wall, clock.cpu

    def bare(doc) -> tuple[float, float]:
        rendered = render_edition(doc, clinic=clinic, layouts_dir=project.layouts_dir)
        html = embed_images(rendered.html, doc)  # the same HTML WeasyPrint gets from us
        gc.collect()
        clock = Clock()
        with clock:
            fetcher = RestrictedFetcher(needed_files(rendered.stylesheets))
            fonts = FontConfiguration()
            styles = [weasyprint.CSS(filename=str(p), url_fetcher=fetcher, font_config=fonts)
                      for p in rendered.stylesheets]
            weasyprint.HTML(string=html, base_url=doc.topic.folder.resolve().as_uri() + "/",
                            url_fetcher=fetcher).write_pdf(stylesheets=styles, font_config=fonts,
                                                          pdf_variant="pdf/ua-1")
        return clock.wall, clock.cpu

    out = {}
    docs, _ = plan(topic, [e for e in all_editions.values() if e.format == "pdf"])  # every language, as the build
    for doc in docs:
        # The first run of each warms imports, fonts and templates, and is kept apart: it also
        # finds out whether the safety block is taller than a page (writers/pdf.py remembers it).
        times = {"first": [ours(doc), bare(doc)], "ours": [], "bare": []}
        for _ in range(runs):
            times["bare"].append(bare(doc))
            times["ours"].append(ours(doc))
        language = "" if doc.edition.bilingual or doc.language == topic.language else f" ({doc.language})"
        out[doc.edition.id + language] = times
    return out


def unchecked() -> None:
    """Leave out the PDF/UA repair and every check of the written files, in this process
    (the `build-unchecked` experiment: the files it writes are not fit to hand out)."""
    from publisher import job
    from publisher.writers import pdf, pdfua
    stubs = [(job, "_measure_and_check", lambda doc, fmt, written, *, name: (written.data, None, [])),
             (pdfua, "_repair", lambda document, facts: None),
             (pdf, "check_layout", lambda document, *, audience=None: [])]
    for module, name, stub in stubs:
        if not callable(getattr(module, name, None)):  # renamed: the experiment would check everything
            raise RuntimeError(f"build-unchecked: {module.__name__}.{name} is gone; update benchmarks/overhead.py")
        setattr(module, name, stub)


def build(root: Path, out_dir: Path) -> dict:
    """A serial `publish build --force` of the project in `root`, in this process: its total
    time and the time inside WeasyPrint."""
    start = (time.perf_counter(), time.process_time())
    inside = Clock()
    with inside:
        import weasyprint
        import weasyprint.document
    weasyprint.CSS.__init__ = _timed(inside, weasyprint.CSS.__init__)
    weasyprint.HTML.__init__ = _timed(inside, weasyprint.HTML.__init__)
    weasyprint.HTML.render = _timed(inside, weasyprint.HTML.render)
    weasyprint.document.Document.write_pdf = _timed(inside, weasyprint.document.Document.write_pdf)
    import publish
    try:
        publish.cli(["build", "--root", str(root), "--force", "--jobs", "1", "-o", str(out_dir)],
                    standalone_mode=False)
    except SystemExit:
        pass
    return {"wall": time.perf_counter() - start[0], "cpu": time.process_time() - start[1],
            "inside_wall": inside.wall, "inside_cpu": inside.cpu}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's publisher
    what, project_dir, arg = sys.argv[1:4]
    if what == "editions":
        result = editions(Path(project_dir), int(arg))
    else:
        import contextlib
        import os
        if what == "build-unchecked":
            unchecked()
        with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet), contextlib.redirect_stdout(quiet):
            result = build(Path(project_dir), Path(arg))
    print(json.dumps(result))
