"""Every output of both topics passes EPUBCheck 5.3.0, DAISY Ace 1.4.6 and axe-core 4.14 with
zero messages of any severity. These run the real tools (Java, Node, Chromium): slow, and run in CI.
Where a tool cannot run they skip with one line saying what is missing (fail with CI=true):
the `validators` mark, in conftest.py."""
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from publisher.build import BuildOptions, build_editions
from publisher.errors import ChecksFailed
from publisher.verify import epubcheck
from publisher.verify.ace import run_ace
from publisher.verify.tools import find_tools

from conftest import TALL_SAFETY, ROOT, SLEEP_TOPIC, output

pytestmark = [pytest.mark.slow, pytest.mark.validators]

TOPICS = ("neuroplasticity", "sleep-hygiene")
EXPECTED = ([(f"{t}/{t}-booklet.epub", tool) for t in TOPICS for tool in ("epubcheck", "ace")]
            + [(f"{t}/{t}-web.html", "axe") for t in TOPICS] + [("index.html", "axe")]
            # the bundled topic's bilingual web page (English and Spanish, editions.yaml)
            + [("neuroplasticity/neuroplasticity-patient-handout-bilingual-web.html", "axe")]
            # and its bilingual e-book (each section in English, then in Spanish)
            + [("neuroplasticity/neuroplasticity-patient-handout-bilingual-epub.epub", tool)
               for tool in ("epubcheck", "ace")])
SUMMARY = {"epubcheck": r"EPUBCheck 5\.3\.0: 0 fatal / 0 errors / 0 warnings / 0 usages",
           "ace": r"Ace 1\.4\.6: outcome pass, 0 violations \(0 critical, 0 serious, 0 moderate, 0 minor\)",
           # axe runs each page at a phone's width and a desktop's (and checks it does not scroll sideways)
           "axe": r"axe-core 4\.14\.\d+: 0 violations \(wcag2a, wcag2aa, wcag21a, wcag21aa\) at 390 and 1280 px"}


def opf_properties(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = z.read(next(n for n in z.namelist() if n.endswith(".opf"))).decode("utf-8")
    found = {}
    for prop, value in re.findall(r'<meta property="([^"]+)">([^<]*)</meta>', opf):
        found.setdefault(prop, []).append(value)
    return found


@pytest.mark.parametrize("file, tool", EXPECTED, ids=[f"{t}:{f}" for f, t in EXPECTED])
def test_output_is_clean(validated, file, tool):
    _, runs = validated
    matching = [r for r in runs if r.file == file and r.tool == tool]
    assert len(matching) == 1, f"{tool} did not report on {file}: {[(r.tool, r.file, r.summary) for r in runs]}"
    run = matching[0]
    print(f"{file}: {run.summary}")
    assert [str(f) for f in run.findings] == []
    assert re.fullmatch(SUMMARY[tool], run.summary)


def expected_runs(names) -> list[tuple[str, str]]:
    """What a full check must run on these files: EPUBCheck and Ace on every EPUB, axe on every
    HTML page (the bundled editions' files, EXPECTED, and any edition added since)."""
    runs = [(n, tool) for n in names if n.endswith(".epub") for tool in ("epubcheck", "ace")]
    runs += [(n, "axe") for n in names if n.endswith(".html")]
    assert set(EXPECTED) <= set(runs), "a bundled edition's EPUB or web page was not built"
    return sorted(runs)


def test_no_validator_was_skipped_and_nothing_else_was_reported(validated):
    files, runs = validated
    assert sorted((r.file, r.tool) for r in runs) == expected_runs(files.values())
    assert not any(r.skipped for r in runs)


def test_the_full_build_ran_every_validator_before_writing(built_full):
    out, result = built_full
    ran = sorted((Path(r.file).relative_to(out.resolve()).as_posix(), r.tool) for r in result.validations)
    built_files = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert ran == expected_runs(built_files)
    assert all(r.clean for r in result.validations)
    # None but the large-print handouts' tall safety block (g-004 warning, README).
    assert [f for f in result.findings if TALL_SAFETY not in f.message] == []


@pytest.mark.parametrize("topic", TOPICS)
def test_only_the_checked_build_claims_conformance(built, built_full, topic):
    claimed = opf_properties(output(built_full, topic, "booklet").read_bytes())
    assert claimed["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert claimed["a11y:certifiedBy"][0].startswith("clinic-handouts automated checks")
    unchecked = opf_properties(output(built, topic, "booklet").read_bytes())  # fast checks only
    assert "dcterms:conformsTo" not in unchecked and "a11y:certifiedBy" not in unchecked


def test_an_epub_without_accessibility_metadata_fails_ace(built, tmp_path):
    source = output(built, "sleep-hygiene", "booklet")
    stripped = tmp_path / "sleep-hygiene-booklet.epub"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(stripped, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".opf"):
                data = re.sub(rb'\s*<meta property="schema:[^"]+">[^<]*</meta>', b"", data)
                assert b"schema:" not in data
            dst.writestr(info, data)
    (run,) = run_ace({stripped: "stripped.epub"}, find_tools())
    assert run.summary.startswith("Ace 1.4.6: outcome fail")
    titles = {f.message.split(" ")[0] for f in run.findings}
    assert {"metadata-accessmode", "metadata-accessibilityfeature", "metadata-accessibilityhazard",
            "metadata-accessibilitysummary", "metadata-accessmodesufficient"} <= titles
    assert all(f.is_error and f.code == "e-003" for f in run.findings)


def test_a_build_whose_checks_fail_writes_no_claim(project_copy, tmp_path):
    """Ace fails the colophon once its role is gone: the build stops, and no EPUB (with or
    without a conformance claim) is moved into place."""
    colophon = project_copy.layouts_dir / "booklet" / "_colophon.html.j2"
    colophon.write_text(colophon.read_text(encoding="utf-8").replace(' role="doc-colophon"', ""), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(ChecksFailed) as failed:
        build_editions(project_copy, BuildOptions(out_dir=out, topic_dirs=[SLEEP_TOPIC], topics=["sleep-hygiene"],
                       editions=["booklet"], check="full"))
    assert [f.message.split(" ")[0] for f in failed.value.findings if f.tool == "ace"] == ["epub-type-has-matching-role"]
    assert not list(out.rglob("*.epub"))


def test_epubcheck_without_the_batch_runner_checks_each_book_alone(built, monkeypatch, tmp_path):
    """Without Java's source launcher (a JRE without the JDK compiler) the batch call fails;
    each book is then checked by its own `java -jar` call, with the same verdict."""
    monkeypatch.setattr(epubcheck, "BATCH", tmp_path / "missing.java")
    book = output(built, "sleep-hygiene", "booklet")
    (run,) = epubcheck.run_epubcheck({book: "sleep-hygiene-booklet.epub"}, find_tools())
    assert run.summary == "EPUBCheck 5.3.0: 0 fatal / 0 errors / 0 warnings / 0 usages" and run.clean


def test_publish_check_runs_every_validator_on_a_topic(built_full):
    out, _ = built_full
    result = CliRunner().invoke(publish.cli, ["check", "--root", str(ROOT), "-o", str(out), "--topic-dir",
                                              str(SLEEP_TOPIC), "--format", "json", "sleep-hygiene"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["findings"] == [] and report["errors"] == 0
    ran = sorted((v["tool"], v["file"].rsplit("/", 1)[-1]) for v in report["validations"])
    assert ran == [("ace", "sleep-hygiene-booklet.epub"), ("axe", "sleep-hygiene-web.html"),
                   ("epubcheck", "sleep-hygiene-booklet.epub")]
    assert not any(v["skipped"] for v in report["validations"])
