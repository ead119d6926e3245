"""The web page and handouts/index.html, parsed with lxml."""
from lxml import html

from conftest import output


def test_web_page_landmarks_and_skip_link(built):
    root = html.fromstring(output(built, "neuroplasticity", "web").read_bytes())
    assert root.get("lang") == "en-US"
    assert root.findtext(".//title").startswith("Neuroplasticity")
    skip = root.find(".//body/a")
    assert skip.get("href") == "#main" and root.get_element_by_id("main").tag == "main"
    assert root.find(".//nav") is not None and root.find(".//header") is not None
    assert root.find(".//footer") is not None
    assert len(root.findall(".//h1")) == 1
    levels = [int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4")]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_web_page_has_the_whole_topic(built):
    root = html.fromstring(output(built, "neuroplasticity", "web").read_bytes())
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert {"faq", "ltp-ltd", "depression", "when-to-seek-help", "references"} <= ids


def test_index_links_every_built_file_with_format_and_size(built):
    out, result = built
    root = html.fromstring((out / "index.html").read_bytes())
    rows = root.findall(".//tbody/tr")
    hrefs = {r.find(".//a").get("href") for r in rows}
    expected = {o.path.relative_to(out.resolve()).as_posix() for o in result.outputs}
    assert expected <= hrefs
    for row in rows:
        cells = [c.text_content() for c in row.findall("td")]
        assert cells[2] in ("PDF (print)", "EPUB e-book", "Web page")
        assert cells[3].endswith("KB") or cells[3].endswith("bytes")


def test_html_check_finds_a_skipped_heading_level():
    from publisher.verify.html import check
    page = (b'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
            b'<h1>Title</h1><h3>Too deep</h3></main></body></html>')
    found = check(page, name="x.html")
    assert [f.code for f in found] == ["h-001"] and "h3 follows h1" in found[0].message
    assert check(page.replace(b"h3", b"h2"), name="x.html") == []
