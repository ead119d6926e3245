"""Clinic profiles: a good one reads; each bad value fails with the file, the key and what is expected."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from publisher.clinic import read_clinic
from publisher.errors import ContentError
from publisher.qr import digital_url

from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "clinics"
GOOD = (FIXTURES / "riverside.yaml").read_text()


def profile(tmp_path: Path, text: str, logo: bytes | None = None, logo_name="riverside-logo.svg") -> Path:
    if logo is None:
        shutil.copy(FIXTURES / "riverside-logo.svg", tmp_path / "riverside-logo.svg")
    else:
        (tmp_path / logo_name).write_bytes(logo)
    path = tmp_path / "clinic.yaml"
    path.write_text(text)
    return path


def problems(path: Path) -> list:
    with pytest.raises(ContentError) as info:
        read_clinic(path)
    return info.value.findings


def line_of(text: str, key: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith(key))


def test_fixture_profile_reads_with_logo_and_crisis_resources():
    clinic = read_clinic(FIXTURES / "riverside.yaml")
    assert clinic.name == "Riverside Family Health"
    assert clinic.phone_uri == "+12175550142"
    assert clinic.logo_media_type == "image/svg+xml" and clinic.logo_data.startswith(b"<?xml")
    assert [r.phone_uri for r in clinic.crisis_resources] == ["+12175550199", "211"]
    assert clinic.base_url == "https://riverside.example.org/handouts/"


def test_default_profile_reads_without_logo_or_base_url():
    clinic = read_clinic(ROOT / "source" / "clinic.yaml")
    assert clinic.logo is None and clinic.base_url == ""


def test_missing_logo_alt(tmp_path):
    text = GOOD.replace("logo_alt: Riverside Family Health logo\n", "")
    [found] = problems(profile(tmp_path, text))
    assert found.code == "c-006" and found.file.endswith("clinic.yaml") and found.line == line_of(text, "logo:")
    assert "'logo_alt' is missing" in found.message and "Expected logo_alt:" in found.hint_text


def test_logo_that_is_not_an_image(tmp_path):
    text = GOOD.replace("riverside-logo.svg", "logo.svg")
    [found] = problems(profile(tmp_path, text, logo=b"this is a note, not a picture\n", logo_name="logo.svg"))
    assert found.code == "c-006" and found.line == line_of(text, "logo:")
    assert "'logo: logo.svg'" in found.message and "not an SVG picture" in found.message
    assert "in the format its name says" in found.hint_text


def test_png_logo_that_is_not_a_png(tmp_path):
    text = GOOD.replace("riverside-logo.svg", "logo.png")
    [found] = problems(profile(tmp_path, text, logo=b"<svg></svg>", logo_name="logo.png"))
    assert found.code == "c-006" and "the logo is not a PNG picture" in found.message


def test_logo_of_another_type(tmp_path):
    text = GOOD.replace("riverside-logo.svg", "logo.gif")
    [found] = problems(profile(tmp_path, text, logo=b"GIF89a", logo_name="logo.gif"))
    assert found.code == "c-006" and "must be an SVG or PNG file" in found.message


def test_logo_outside_the_profile_folder(tmp_path):
    inner = tmp_path / "profiles"
    inner.mkdir()
    shutil.copy(FIXTURES / "riverside-logo.svg", tmp_path / "outside.svg")
    text = GOOD.replace("riverside-logo.svg", "../outside.svg")
    path = inner / "clinic.yaml"
    path.write_text(text)
    [found] = problems(path)
    assert found.code == "c-015" and "inside the profile's folder" in found.message


def test_svg_logo_that_links_outside(tmp_path):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           b'<image xlink:href="https://tracker.example/pixel.png"/></svg>')
    [found] = problems(profile(tmp_path, GOOD, logo=svg))
    assert found.code == "c-015" and "the logo is not a self-contained SVG picture" in found.message
    assert "it refers to 'https://tracker.example/pixel.png' on <image> (line 1 of the SVG)" in found.message


@pytest.mark.parametrize("bad", ["call us", "555-CALL-NOW", "12", "+1 555 010 0100 0100 0100", "(555"])
def test_invalid_phone_number(tmp_path, bad):
    text = GOOD.replace('phone: "+1 (217) 555-0142"', f'phone: "{bad}"')
    [found] = problems(profile(tmp_path, text))
    assert found.code == "c-012" and found.line == line_of(text, "phone:")
    assert f"'phone: {bad}' is not a phone number" in found.message
    assert "Expected 3 to 15 digits" in found.hint_text


def test_invalid_crisis_resource_phone_names_the_entry(tmp_path):
    text = GOOD.replace('"211"', '"two-one-one"')
    [found] = problems(profile(tmp_path, text))
    assert found.code == "c-012" and "'crisis_resources[2].phone: two-one-one'" in found.message
    assert found.line == line_of(text, 'phone: "two-one-one"')


def test_base_url_must_be_a_web_address(tmp_path):
    text = GOOD.replace("https://riverside.example.org/handouts/", "riverside/handouts")
    [found] = problems(profile(tmp_path, text))
    assert found.code == "c-012" and "'base_url' must be a web address" in found.message


def test_every_problem_is_reported_at_once_by_build(tmp_path):
    text = GOOD.replace('"+1 (217) 555-0142"', '"call us"').replace("logo_alt: Riverside Family Health logo\n", "")
    path = profile(tmp_path, text)
    out = tmp_path / "out"
    result = CliRunner().invoke(publish.cli, ["build", "--root", str(ROOT), "--clinic", str(path), "-o", str(out)])
    assert result.exit_code == 3
    assert f"{path} line {line_of(text, 'phone:')}: 'phone: call us' is not a phone number" in result.output
    assert f"{path} line {line_of(text, 'logo:')}: 'logo_alt' is missing" in result.output
    assert not out.exists()


def test_digital_url_joins_the_base_url_and_the_output_path():
    assert digital_url("https://a.example/handouts", "t/t-web.html") == "https://a.example/handouts/t/t-web.html"
    assert digital_url("https://a.example/handouts/", "t/t-web.html") == "https://a.example/handouts/t/t-web.html"


def test_build_with_a_profile_brands_the_printed_edition_and_adds_the_qr_code(tmp_path):
    import pikepdf

    from publisher.verify.pdf import struct_elements
    from publisher.verify.text import pdf_text
    # English only: the branding in English words (the Spanish handout with this clinic's two
    # extra crisis lines runs past its two pages, which the build reports as p-012).
    result = CliRunner().invoke(publish.cli, ["build", "--root", str(ROOT), "--edition", "patient-handout",
                                              "--lang", "en", "--clinic", str(FIXTURES / "riverside.yaml"),
                                              "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "neuroplasticity" / "neuroplasticity-patient-handout.pdf"
    with pikepdf.open(path) as pdf:
        alts = [str(e.get("/Alt")) for e in struct_elements(pdf) if str(e.S) == "/Figure"]
    url = "https://riverside.example.org/handouts/neuroplasticity/neuroplasticity-web.html"
    assert sorted(alts) == [f"QR code: opens the web version of Neuroplasticity and Mental Health at {url}",
                            "Riverside Family Health logo"]
    text = " ".join(pdf_text(path.read_bytes()).split())
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    footer = "Neuroplasticity and Mental Health Riverside Family Health · +1 (217) 555-0142 · Reviewed November 1, 2026"
    # The footer of every page names the clinic and its phone (where the extracted text puts
    # it among the columns' text depends on the page, so it is counted, not placed).
    assert text.count(footer) == pages
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    assert "".join(url.split()) in "".join(text.split())
