"""The web page and handouts/index.html, parsed with lxml."""
from lxml import html

from conftest import ROOT, output


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


def test_index_links_every_built_file_with_format_and_size(built, project):
    """Each topic under its title; each file by its edition in words (who it is for and the
    language), its format and its size; no file names or topic ids as the visible text."""
    out, result = built
    root = html.fromstring((out / "index.html").read_bytes())
    items = root.findall(".//ul[@class='downloads']/li")
    hrefs = {li.find("a").get("href") for li in items}
    expected = {o.path.relative_to(out.resolve()).as_posix() for o in result.outputs}
    assert expected <= hrefs
    headings = [h.text_content() for h in root.findall(".//section/h2")]
    assert "Neuroplasticity and Mental Health" in headings and "neuroplasticity" not in headings
    from publisher.project import load_editions
    titles = {e.title for e in load_editions(project).values()}
    for li in items:
        link, facts = li.find("a").text_content(), li.find("span").text_content()
        assert link in titles and "." not in link  # the edition, not the file name
        words, _, kind = facts.partition(" · ")
        assert words.split(", ")[0] in ("for patients", "for clinicians", "for everyone")
        assert words.split(", ")[1] in ("English", "Spanish", "English and Spanish")
        fmt, size = kind.split(", ")
        assert fmt in ("PDF (print)", "EPUB e-book", "Web page")
        assert size.endswith("KB") or size.endswith("bytes")
    patients = [li for li in items if li.find("a").text_content() == "Patient handout"]
    assert any("for patients, English" in li.text_content() for li in patients)


def test_web_pages_carry_the_pdf_typeface_and_put_the_title_first(built):
    """The bundled Atkinson Hyperlegible as WOFF2 inside the page (no fetch), the H1 before
    the contents list, phone numbers that do not wrap."""
    import base64
    import io
    import re
    from fontTools.ttLib import TTFont
    for path in (output(built, "neuroplasticity", "web"), built[0] / "index.html"):
        text = path.read_text(encoding="utf-8")
        faces = re.findall(r'@font-face \{ font-family: "Atkinson Hyperlegible"; font-weight: (\w+); '
                           r'font-style: (\w+);[^}]*url\("data:font/woff2;base64,([^"]+)"\)', text)
        assert {(w, s) for w, s, _ in faces} >= {("normal", "normal"), ("bold", "normal")}
        for _, _, data in faces:
            font = TTFont(io.BytesIO(base64.b64decode(data)))
            assert font.flavor == "woff2" and "Atkinson Hyperlegible" in font["name"].getDebugName(1)
            assert ord("W") in font.getBestCmap()  # the subset has the page's letters
    root = html.fromstring(output(built, "neuroplasticity", "web").read_bytes())
    order = [e.tag for e in root.iter("h1", "nav")]
    assert order[:2] == ["h1", "nav"]
    css = (ROOT / "layouts" / "styles" / "screen.css").read_text(encoding="utf-8")
    assert re.search(r'a\[href\^="tel:"\][^{]*\{[^}]*white-space: nowrap', css)


def test_html_check_finds_a_skipped_heading_level():
    from publisher.verify.html import check
    page = (b'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
            b'<h1>Title</h1><h3>Too deep</h3></main></body></html>')
    found = check(page, name="x.html")
    assert [f.code for f in found] == ["h-001"] and "h3 follows h1" in found[0].message
    assert check(page.replace(b"h3", b"h2"), name="x.html") == []


def test_web_font_subsets_are_kept_by_content_and_made_again_when_damaged(tmp_path, monkeypatch):
    """A subset is kept in the cache folder under the SHA-256 of what makes it (font bytes,
    characters, recipe, fontTools version), read back instead of made again, and made again
    when the kept file is not WOFF2; an unwritable cache folder only costs the time."""
    from publisher import webfonts
    layouts = ROOT / "layouts"
    webfonts.woff2_subset.cache_clear()
    first = webfonts.font_face_css(layouts, "Call 988 now", italic=False, cache_dir=tmp_path / "fonts")
    kept = sorted((tmp_path / "fonts").glob("*.woff2"))
    faces = [f for f in webfonts.faces(layouts) if f["style"] == "normal"]
    assert len(kept) == len(faces) >= 2 and all(p.read_bytes()[:4] == b"wOF2" for p in kept)
    assert {p.stem for p in kept} == {webfonts.subset_key(f["path"], _characters("Call 988 now")) for f in faces}
    assert not list((tmp_path / "fonts").glob(".font.*"))  # no part files left behind

    webfonts.woff2_subset.cache_clear()
    monkeypatch.setattr(webfonts, "_make_subset", lambda *a: (_ for _ in ()).throw(AssertionError("made again")))
    assert webfonts.font_face_css(layouts, "Call 988 now", italic=False, cache_dir=tmp_path / "fonts") == first
    monkeypatch.undo()

    kept[0].write_bytes(b"not a font")  # damaged: made again, and the kept file mended
    webfonts.woff2_subset.cache_clear()
    assert webfonts.font_face_css(layouts, "Call 988 now", italic=False, cache_dir=tmp_path / "fonts") == first
    assert kept[0].read_bytes()[:4] == b"wOF2"

    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    webfonts.woff2_subset.cache_clear()
    assert webfonts.font_face_css(layouts, "Call 988 now", italic=False, cache_dir=blocked / "fonts") == first
    webfonts.woff2_subset.cache_clear()
    assert webfonts.font_face_css(layouts, "Call 988 now", italic=False) == first  # no cache: the same bytes


def _characters(text: str) -> str:
    from publisher.webfonts import BASE_CHARACTERS
    return "".join(sorted(set(BASE_CHARACTERS) | {c for c in text if not c.isspace() or c == " "}))


def test_a_rebuild_with_kept_font_subsets_writes_the_same_web_pages(tiny_project):
    """The build keeps the subsets in the project's .cache/fonts; a forced rebuild that
    takes them from there writes byte-identical web pages and index."""
    from publisher.build import BuildOptions, build_editions
    from publisher.project import Project
    from conftest import snapshot
    from publisher import webfonts
    out = tiny_project / "handouts"
    webfonts.woff2_subset.cache_clear()
    build_editions(Project(tiny_project), BuildOptions(out_dir=out, editions=("web",)))
    first = {k: v for k, v in snapshot(out).items() if k.endswith(".html")}
    assert len(first) >= 2 and list((tiny_project / ".cache" / "fonts").glob("*.woff2"))
    webfonts.woff2_subset.cache_clear()
    build_editions(Project(tiny_project), BuildOptions(out_dir=out, editions=("web",), force=True))
    assert {k: v for k, v in snapshot(out).items() if k.endswith(".html")} == first
