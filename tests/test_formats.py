"""The output formats: one `Format` record each, and no other module repeats its facts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher.errors import EditionError
from publisher.formats import BY_EXTENSION, FORMATS, format_of_path, get_format

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "publisher"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_record_names_modules_and_files_that_exist(name):
    fmt = FORMATS[name]
    assert callable(fmt.load_writer()) and callable(fmt.load_check())
    assert callable(fmt.load_text()) and callable(fmt.load_blocks())
    for sheet in fmt.stylesheets:
        assert (ROOT / "layouts" / sheet).is_file(), sheet
    assert format_of_path(f"x/y/topic-edition{fmt.extension.upper()}") is fmt
    assert BY_EXTENSION[fmt.extension] is fmt


def test_an_unknown_format_lists_the_known_ones():
    with pytest.raises(EditionError, match=r"unknown format 'docx'; known formats: pdf, epub, html"):
        get_format("docx")
    assert format_of_path("notes.txt") is None and format_of_path("folder.pdf/README") is None


def test_output_text_goes_through_the_record():
    from publisher.verify.text import output_text
    html = b"<!DOCTYPE html><html><body><h1>Sleep</h1>\n<p>Call or text 988.</p></body></html>"
    assert output_text("html", html) == "Sleep Call or text 988."
    assert FORMATS["html"].load_text()(html) == "Sleep Call or text 988."


#: A format's facts as they would be written by hand in another module.
FACTS = [re.escape(f'"{f.extension}"') for f in FORMATS.values()] + \
        [re.escape(f'"{f.media_type}"') for f in FORMATS.values()] + \
        [re.escape(f'"{sheet}"') for f in FORMATS.values() for sheet in f.stylesheets] + \
        [r'\{\s*"(pdf|epub)"\s*:', r'\(\s*"(pdf|epub|html)",\s*"(pdf|epub|html)"']


def test_no_other_module_repeats_a_format_fact():
    """Adding a format edits formats.py: no per-format table or extension elsewhere in the package."""
    repeated = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "formats.py" or "importing" in path.parts:  # importing/ reads input formats
            continue
        text = path.read_text(encoding="utf-8")
        repeated += [f"{path.relative_to(ROOT)}: {m.group(0)}" for fact in FACTS for m in re.finditer(fact, text)]
    assert repeated == []
