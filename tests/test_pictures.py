"""Pictures safe by construction (issue 14, parts 1 and 3): one check for every picture, from
content or from a clinic profile's logo; SVGs through an XML parser and an allow-list,
raster pictures within pixel limits read from the header; the renderer reads only the
exact files a document needs. Cases: svg-reads-clinic-folder, logo-svg-script-import,
png-decompression-bomb (their inputs are made here)."""
from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from publisher import limits
from publisher.pictures import PictureRefused, check_picture, css_problem
from test_isolation import MARKER, assert_not_leaked
from test_output_safety import build, make_project

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">{}</svg>'
ABOUT = "source/tiny/sections/03-about.md"


def svg(inner: str, outer: str = SVG) -> bytes:
    return outer.format(inner).encode()


def refused(data: bytes, suffix: str = ".svg") -> PictureRefused:
    with pytest.raises(PictureRefused) as info:
        check_picture(data, suffix)
    return info.value


def png_header(width: int, height: int, body: bytes = b"") -> bytes:
    """A PNG signature and header claiming width x height, then `body` as its only IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


def picture(fmt: str, size=(4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def gif_claiming(width: int, height: int) -> bytes:
    """A real 4 x 4 GIF whose screen and image descriptors claim width x height."""
    data = bytearray(picture("GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    at = data.index(b",", 13)  # the image descriptor
    data[at + 5:at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    """A real 1 x 1 lossless WebP whose VP8L header claims width x height."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "WEBP", lossless=True)
    data = bytearray(out.getvalue())
    assert data[12:16] == b"VP8L"
    bits = int.from_bytes(data[21:25], "little")
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


# -- SVG: what may load or run something is refused, whatever its spelling ----------------------

INNER = base64.b64encode(svg('<image href="file:///etc/passwd" width="10" height="10"/>')).decode()


@pytest.mark.parametrize("inner, says", [
    ('<script>alert(1)</script>', "it has a <script> element (line 1 of the SVG)"),
    ('<g onclick="alert(1)"/>', "it has the attribute 'onclick' on <g>"),
    ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>', "<foreignObject> element"),
    (f'<image href="data:image/svg+xml;base64,{INNER}"/>', "it refers to 'data:image/svg+xml;base64,PHN2ZyB4bWxuc…' on <image>"),
    ('<image xlink:href="file:///etc/passwd"/>', "it refers to 'file:///etc/passwd' on <image>"),
    ('<use href="other.svg#a"/>', "it refers to 'other.svg#a' on <use>"),
    ('<feImage href="#a"/>', "<feImage> element"),
    ('<a href="#x"><rect/></a>', "<a> element"),
    ('<set attributeName="href" to="file:///etc/passwd"/>', "<set> element"),
    ('<style>@import url(file:///etc/x.css);</style>', "its <style> (line 1 of the SVG) has '@import url(file:///etc/x.css);'"),
    ('<style>@\\69mport "x.css";</style>', "has '@import \"x.css\";'"),
    ('<style>text{fill:url(file:///x.svg#a)}</style>', "has 'url(file:///x.svg#a)'"),
    ('<style>rect{fill:u\\72l(/etc/x)}</style>', "has 'url(/etc/x)'"),
    ('<style>rect{fill:u/**/rl(x)}</style>', "the CSS function 'rl()' is not allowed"),
    ('<style>rect{background:image-set("x.png" 1x)}</style>', "the CSS function 'image-set()' is not allowed"),
    ('<style><![CDATA[@font-face{src:url(x.ttf)}]]></style>', "@font-face"),
    ('<rect style="fill:url(&quot;data:image/png;base64,AAAA&quot;)"/>', "its 'style' on <rect>"),
    ('<rect fill="url(http://example.org/a#b)"/>', "its 'fill' on <rect>"),
    ('<rect filter="u\\rl(x)"/>', "has 'url(x)'"),
    ('<g id="a"><use href="#a"/></g>', "its <use> on line 1 of the SVG repeats itself"),
    ('<x:include xmlns:x="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>', "it refers to '/etc/passwd'"),
])
def test_an_svg_that_could_load_or_run_anything_is_refused(inner, says):
    problem = refused(svg(inner))
    assert problem.code == "c-015"
    assert problem.reason.startswith("is not a self-contained SVG picture: ")
    assert says in problem.reason
    assert len(problem.reason) < 260  # a short excerpt, never the whole picture
    assert "plain SVG" in problem.hint


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    b'<svg xmlns="http://www.w3.org/2000/svg"/>',
    b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
])
def test_doctypes_and_entities_are_refused(data):
    problem = refused(data)
    assert problem.code == "c-015" and "DOCTYPE or XML entities" in problem.reason


def test_a_use_bomb_is_refused_without_drawing_it():
    """Ten levels of ten <use> each would draw 10^10 shapes."""
    levels = ['<g id="l0"><rect width="1" height="1"/></g>']
    for n in range(1, 11):
        levels.append(f'<g id="l{n}">' + f'<use href="#l{n - 1}"/>' * 10 + "</g>")
    problem = refused(svg("<defs>" + "".join(levels) + "</defs>"))
    assert problem.code == "c-006" and f"draws more than {limits.MAX_SVG_ELEMENTS} elements" in problem.reason


def test_not_svg_and_broken_svg():
    assert refused(b"a note, not a picture").reason == "is not an SVG picture"
    broken = refused(b'<svg xmlns="http://www.w3.org/2000/svg">\n<rect>\n</svg>')
    assert broken.code == "c-006" and broken.reason.startswith("is not a well-formed SVG picture: ")
    assert "(line 3 of the SVG)" in broken.reason
    assert "first element" in refused(b"<html><svg/></html>").reason


def test_a_plain_svg_passes_and_is_written_out_clean():
    """Shapes, text, gradients, <use> of its own parts and CSS without loads pass; editor
    metadata, comments and processing instructions are not carried into the outputs."""
    data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet href="x.css"?>\n'
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 10 10" role="img">'
            b'<!-- made by hand --><title>A dot (red)</title><metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'
            b'<style>.a{fill:url(#g);stroke:rgb(0,0,0)} rect:not(.b){opacity:.5}</style>'
            b'<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient>'
            b'<circle id="c" r="2"/></defs><g inkscape:label="Layer 1" transform="translate(1 2) rotate(5)">'
            b'<use xlink:href="#c" x="3"/><rect class="a" width="4" height="4" style="fill: url( \'#g\' )"/>'
            b'<text x="1" y="9" aria-label="Call (555)">Hi</text></g></svg>')
    clean = check_picture(data, ".svg").data
    root = etree.fromstring(clean)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"metadata" not in clean and b"inkscape" not in clean and b"made by hand" not in clean
    assert b"xml-stylesheet" not in clean and b"url(#g)" in clean and b'xlink:href="#c"' in clean
    assert check_picture(clean, ".svg").data == clean  # written out once, it stays the same


@pytest.mark.parametrize("css, sheet, ok", [
    ("fill: red; stroke-width: calc(1px + 2px)", False, True),
    ("fill: url(#a)", False, True),
    ("fill: url(a)", False, False),
    ("@media print { rect { fill: red } }", True, False),
    ("rect { fill: \\75\\72\\6c(x) }", True, False),
    ("rect { fill: \\000075rl(x) }", True, False),
    ("rect { fill: u\\\nrl(x) }", True, False),
    ("rect { -moz-binding: expression(alert(1)) }", True, False),
])
def test_css_is_judged_after_comments_and_escapes(css, sheet, ok):
    assert (css_problem(css, sheet=sheet) is None) is ok


# -- raster pictures -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("GIF", ".gif"), ("WEBP", ".webp")])
def test_a_real_raster_picture_passes_with_its_size(fmt, suffix):
    checked = check_picture(picture(fmt, (7, 5)), suffix)
    assert (checked.width, checked.height) == (7, 5)


def test_a_picture_named_as_another_format_is_refused():
    problem = refused(picture("JPEG"), ".png")
    assert problem.code == "c-006" and problem.reason == "is not a PNG picture"
    assert "format its name says" in problem.hint


@pytest.mark.parametrize("suffix, data, claims", [
    (".png", png_header(40_000, 40_000), "40000 x 40000 pixels (1.6 billion pixels)"),
    (".gif", gif_claiming(40_000, 40_000), "40000 x 40000 pixels (1.6 billion pixels)"),
    (".jpg", b"\xff\xd8\xff\xc0\x00\x11\x08" + struct.pack(">HH", 40_000, 40_000) + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9",
     "40000 x 40000 pixels (1.6 billion pixels)"),
    (".webp", webp_claiming(16_000, 16_000), "16000 x 16000 pixels (256.0 million pixels)"),  # WebP: 16383 a side at most
])
def test_a_decompression_bomb_is_refused_from_its_header(suffix, data, claims):
    """Every accepted format: the size is read from the header, nothing is decoded."""
    problem = refused(data, suffix)
    assert problem.code == "c-006"
    assert problem.reason == f"is {claims}; the limit is 50.0 million pixels and 16000 on either side"
    assert "Scale the picture down" in problem.hint


def test_pixel_limits_hold_each_side_too():
    assert "16000 on either side" in refused(png_header(limits.MAX_PICTURE_SIDE + 1, 1), ".png").reason


def test_a_damaged_picture_is_refused_when_read():
    import weasyprint  # noqa: F401 - it makes Pillow accept truncated files, process-wide
    good = picture("PNG", (64, 64))
    problem = refused(good[:60] + good[-12:], ".png")
    assert problem.code == "c-006" and problem.reason.startswith("cannot be decoded as PNG: ")


def test_a_file_beyond_the_size_limit_is_not_read_whole(tmp_path, monkeypatch):
    from publisher import pictures
    monkeypatch.setattr(limits, "MAX_PICTURE_BYTES", 1000)
    path = tmp_path / "big.png"
    path.write_bytes(b"\0" * 5000)
    with pytest.raises(PictureRefused) as info:
        pictures.read_picture(path)
    assert "larger than 1000 bytes" in info.value.reason


# -- the cases, through the command line ---------------------------------------------------

@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "project")


def add_picture(project: Path, name: str, data: bytes) -> None:
    (project / "source" / "tiny" / "images" / name).write_bytes(data)
    with open(project / ABOUT, "a", encoding="utf-8") as f:
        f.write(f"\n![A picture](images/{name})\n")


def test_case_svg_reads_clinic_folder(project, tmp_path, monkeypatch):
    """A content SVG that embeds an SVG that loads a private file beside the clinic profile:
    refused when the content is read, naming the section file and line."""
    clinic = tmp_path / "clinic"
    (clinic / "private").mkdir(parents=True)
    (clinic / "clinic.yaml").write_text("name: Riverside Family Health\nphone: \"211\"\n")
    photo = clinic / "private" / "patient-photo.txt"
    photo.write_text(MARKER)
    inner = svg(f'<image href="file://{photo}" width="10" height="10"/>')
    add_picture(project, "x.svg", svg(f'<image href="data:image/svg+xml;base64,{base64.b64encode(inner).decode()}"/>'))
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out", "--clinic", str(clinic / "clinic.yaml"), "--edition", "booklet-print")
    assert result.exit_code == 3, result.output
    assert (f"c-015 [error] {ABOUT} line 10: image 'images/x.svg' is not a self-contained SVG picture: it refers to "
            "'data:image/svg+xml;base64,PHN2ZyB4bWxuc…' on <image> (line 1 of the SVG)") in result.stderr
    assert_not_leaked(result, tmp_path / "out")


def test_the_renderer_reads_only_the_files_a_document_needs(project):
    """Defence in depth: even a picture that slipped past the check could fetch neither the
    topic folder, nor the clinic profile's folder, nor layouts/ beyond the stylesheets and fonts."""
    from urllib.parse import quote

    from publisher.writers.pdf import RefusedURL, RestrictedFetcher, needed_files
    styles = project / "layouts" / "styles"
    files = needed_files([styles / "tokens.css", styles / "print.css"] if (styles / "tokens.css").exists()
                         else sorted(styles.glob("*.css")))
    fonts = sorted((project / "layouts" / "fonts").glob("*.ttf"))
    assert set(fonts) <= files
    fetcher = RestrictedFetcher(files)
    assert fetcher.fetch(fonts[0].as_uri()) is not None
    assert fetcher.fetch("data:text/plain,hello") is not None
    for path in (project / "source" / "clinic.yaml", project / "source" / "tiny" / "images" / "dot.png",
                 project / "layouts" / "fonts" / "OFL.txt", project / "layouts" / "fonts",
                 project / "layouts" / "shared" / "base.html.j2"):
        with pytest.raises(RefusedURL, match="may use only its stylesheets and fonts"):
            fetcher.fetch("file://" + quote(str(path)))
    with pytest.raises(RefusedURL):
        fetcher.fetch(fonts[0].as_uri() + "?x")


def write_profile(folder: Path, logo_name: str, logo: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / logo_name).write_bytes(logo)
    path = folder / "clinic.yaml"
    path.write_text(f"name: Riverside Family Health\nphone: \"211\"\nlogo: {logo_name}\nlogo_alt: Riverside logo\n")
    return path


@pytest.mark.parametrize("logo, says", [
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.domain)</script>'
     '<style>@import url(file:///nonexistent/x.css);\ntext{fill:url(file:///nonexistent/logo.svg#a)}</style>'
     '<text x="0" y="15">Logo</text></svg>', "it has the attribute 'onload' on <svg> (line 1 of the SVG)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>', "<script> element"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><style>\ntext{fill:url(file:///x.svg#a)}</style></svg>',
     "its <style> (line 1 of the SVG) has 'url(file:///x.svg#a)'"),
])
def test_case_logo_svg_script_import(project, tmp_path, monkeypatch, logo, says):
    """The profile is refused when it is read, on its logo: line; nothing is rendered."""
    path = write_profile(tmp_path / "clinic", "logo.svg", logo.encode())
    monkeypatch.chdir(tmp_path)
    result = build(project, tmp_path / "out", "--clinic", str(path))
    assert result.exit_code == 3, result.output
    assert ("c-015 [error] clinic/clinic.yaml line 3: 'logo: logo.svg': the logo is not a self-contained SVG "
            "picture: ") in result.stderr and says in result.stderr
    assert "p-013" not in result.stderr and "template" not in result.stderr
    assert not (tmp_path / "out" / "tiny").exists()


def test_case_png_decompression_bomb(project, tmp_path, monkeypatch):
    """The same 65-byte PNG claiming 40000 x 40000 pixels, as a logo and in a section."""
    bomb = png_header(40_000, 40_000)
    path = write_profile(tmp_path / "clinic", "logo.png", bomb)
    add_picture(project, "x.png", bomb)
    monkeypatch.chdir(tmp_path)
    result = build(project, tmp_path / "out", "--clinic", str(path))
    assert result.exit_code == 3, result.output
    limit = "the limit is 50.0 million pixels and 16000 on either side"
    assert (f"c-006 [error] clinic/clinic.yaml line 3: 'logo: logo.png': the logo is 40000 x 40000 pixels "
            f"(1.6 billion pixels); {limit}") in result.stderr
    assert (f"c-006 [error] project/{ABOUT} line 10: image 'images/x.png' is 40000 x 40000 pixels "
            f"(1.6 billion pixels); {limit}") in result.stderr
    assert "p-013" not in result.stderr and "base64" not in result.stderr


def test_a_picture_the_renderer_cannot_draw_is_named_with_its_file(project, tmp_path, monkeypatch):
    """Second line of defence: should a picture pass the check and still fail in the PDF
    renderer, the finding names the picture and the file that shows it (here the limits are
    raised so the 40000 x 40000 PNG reaches the renderer), not a template, and quotes no base64."""
    monkeypatch.setattr(limits, "MAX_PICTURE_PIXELS", 10**10)
    monkeypatch.setattr(limits, "MAX_PICTURE_SIDE", 10**6)
    monkeypatch.setattr("publisher.pictures.check_raster", lambda data, expected: (40_000, 40_000))
    add_picture(project, "x.png", png_header(40_000, 40_000))
    path = write_profile(tmp_path / "clinic", "logo.png", png_header(40_000, 39_999))
    monkeypatch.chdir(tmp_path)
    result = build(project, tmp_path / "out", "--clinic", str(path), "--edition", "patient-handout", "--jobs", "1")
    assert result.exit_code == 7, result.output
    assert (f"c-006 [error] (weasyprint) project/{ABOUT}: image 'images/x.png' could not be drawn in the PDF: "
            in result.stderr)
    assert "c-006 [error] (weasyprint) clinic/clinic.yaml: the logo 'logo.png' could not be drawn in the PDF: " \
        in result.stderr
    assert "base64" not in result.stderr and "template" not in result.stderr


def test_the_outputs_carry_the_checked_svg_written_out_again(project, tmp_path):
    """What is published is what was checked: the EPUB's copy and the web page's data: URL
    hold the re-encoded SVG, without the editor's metadata or comments."""
    drawing = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
               b'xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" width="10" height="10">'
               b'<!-- secret note --><sodipodi:namedview id="nv"/><rect width="10" height="10" fill="#c00"/></svg>')
    add_picture(project, "chart.svg", drawing)
    result = build(project, tmp_path / "out", "--edition", "booklet", "--edition", "web", "--jobs", "1")
    assert result.exit_code == 0, result.output
    import zipfile
    with zipfile.ZipFile(tmp_path / "out" / "tiny" / "tiny-booklet.epub") as z:
        carried = z.read("EPUB/images/chart.svg")
    assert carried == check_picture(drawing, ".svg").data
    assert b"secret note" not in carried and b"sodipodi" not in carried and b'fill="#c00"' in carried
    page = (tmp_path / "out" / "tiny" / "tiny-web.html").read_text(encoding="utf-8")
    assert base64.b64encode(carried).decode() in page
