"""The running footer stays on the paper (fault 2 of the page review): a long --title is cut
with an ellipsis in the footer, g-003 catches footer text pushed off the paper, and a title
with a direction control (U+202A-U+202E, U+2066-U+2069) is refused with c-023, on the
command line and in a posted recipe alike."""
from __future__ import annotations

import pytest
import weasyprint
from click.testing import CliRunner

import publish
from publisher.errors import ContentError
from publisher.render import FOOTER_TITLE_CHARS, footer_title
from publisher.summary import recipe_request
from publisher.verify.layout import check_layout
from publisher.verify.text import pdf_text

LONG = "Long title words " * 30


def test_footer_title_is_one_cut_line_with_an_ellipsis():
    cut = footer_title(LONG)
    assert len(cut) <= FOOTER_TITLE_CHARS and cut.endswith("title…") and "\n" not in cut
    assert footer_title("Depression and your brain") == "Depression and your brain"


def test_g003_catches_footer_lines_below_the_paper():
    lines = "\\A ".join(["A footer line that wraps"] * 12)
    html = "<html lang='en'><body><p>Text of the page.</p></body></html>"
    css = ("@page { size: 4in 4in; margin: 0.5in; @bottom-left { content: '" + lines + "'; white-space: pre-line; "
           "font-size: 12pt; vertical-align: top } }")
    document = weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=css)])
    found = [f for f in check_layout(document) if f.code == "g-003"]
    assert found and "running footer" in found[0].message and "off the paper" in found[0].message


@pytest.fixture(scope="module")
def long_title_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("longtitle") / "x.pdf"
    res = CliRunner().invoke(publish.cli, ["summary", "neuroplasticity", "--audience", "patient", "--section",
                                           "depression", "--title", LONG, "-o", str(path)])
    assert res.exit_code == 0, res.output
    return path, res.output


def test_long_title_keeps_the_footer_contact_and_review_line_on_the_paper(long_title_pdf):
    path, output = long_title_pdf
    assert "g-003" not in output
    text = " ".join(pdf_text(path.read_bytes()).split())
    assert text.count("Reviewed November 1, 2026") >= 2  # the footer line of each page is printed
    assert "Long title… Community Health Clinic" in text  # the cut title, then the contact line


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069"])
def test_title_with_a_direction_control_is_refused_on_the_command_line(tmp_path, char):
    res = CliRunner().invoke(publish.cli, ["summary", "neuroplasticity", "--audience", "patient", "--section",
                                           "depression", "--title", f"Call {char}889 now", "-o", str(tmp_path / "x.pdf")])
    assert res.exit_code != 0
    assert "c-023" in res.output and f"U+{ord(char):04X}" in res.output and "--title" in res.output
    assert not (tmp_path / "x.pdf").exists()


def test_posted_title_with_a_direction_control_is_refused(tmp_path, project):
    from publisher.summary import SummaryRequest, build_summary
    request = recipe_request({"topic": "neuroplasticity", "audience": "patient", "sections": ["depression"],
                              "title": "Call \u202e889\u202c now"}, source="form", base=None)
    with pytest.raises(ContentError) as error:
        build_summary(project, request, out_dir=tmp_path)
    assert [f.code for f in error.value.findings] == ["c-023", "c-023"]
    assert isinstance(request, SummaryRequest) and not list(tmp_path.iterdir())


def test_a_clinic_name_longer_than_a_footer_line_is_cut_there_and_every_edition_builds(tmp_path):
    """The running footer has room for a fixed number of lines: a clinic name wider than one
    is cut at a word with "…" there (the title block shows it whole), so large print keeps its
    line height and nothing rises over the text (it failed l-002 before); English and Spanish."""
    from conftest import ROOT
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    from publisher.render import LARGE_PRINT_FOOTER_PT, fit_line, text_width
    # 66 characters failed l-002 in the Spanish large print (a trial's profile); 117 in both languages.
    name = ("The Springfield Regional Behavioral Health, Family Medicine and Community Wellness Center of "
            "Greater Springfield County")
    clinic = tmp_path / "clinic.yaml"
    text = (ROOT / "source" / "clinic.yaml").read_text(encoding="utf-8")
    clinic.write_text("\n".join(f'name: "{name}"' if line.startswith("name:") else line
                                for line in text.splitlines()) + "\n", encoding="utf-8")
    result = build_editions(Project(ROOT), BuildOptions(
        topics=["neuroplasticity"], editions=["patient-handout-large-print", "patient-handout"],
        clinic_file=clinic, cache=False, out_dir=tmp_path / "out"))
    assert not [f for f in result.findings if f.is_error] and len(result.outputs) == 4
    large = next(o.path for o in result.outputs if o.edition == "patient-handout-large-print" and o.language == "es")
    assert "…" in pdf_text(large.read_bytes())  # the footer's cut name
    cut = fit_line(name, 300, ROOT / "layouts")
    assert cut.endswith("…") and text_width(cut, ROOT / "layouts", LARGE_PRINT_FOOTER_PT) <= 300
