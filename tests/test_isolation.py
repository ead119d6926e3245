"""Nothing reaches outside: content and layouts cannot make an output read a file outside
the topic folder and layouts/, or fetch anything from the network; raw HTML is shown as
text; YAML builds no objects. Every attempt is a clear, coded error, and the secret's
bytes appear in no output and in no message."""
from __future__ import annotations

import http.server
import io
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from publisher.verify.text import pdf_text
from test_output_safety import OUTPUTS, TINY, build, edit, make_project, snapshot

MARKER = "SECRET-MARKER-6f1d2c9a-do-not-publish"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file outside the project that must never be read into an output."""
    path = tmp_path / "private" / "secret.txt"
    path.parent.mkdir()
    path.write_text(f"{MARKER}\npatient: Jane Doe\n")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "project")


def assert_not_leaked(result, out: Path) -> None:
    assert MARKER not in result.output and MARKER not in result.stderr
    for name, data in snapshot(out).items() if out.exists() else ():
        assert MARKER.encode() not in data, name
        if name.endswith(".epub"):  # compressed: look inside too
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                assert all(MARKER.encode() not in z.read(n) for n in z.namelist())


ABOUT = "source/tiny/sections/03-about.md"


def add_to_about(project: Path, text: str) -> None:
    with open(project / ABOUT, "a", encoding="utf-8") as f:
        f.write("\n" + text + "\n")


# -- content -------------------------------------------------------------------------------

@pytest.mark.parametrize("markdown, code, says", [
    ("![The secret](file://{secret})", "c-015", "image 'file://{secret}' is not a file inside the topic folder"),
    ("![The secret](../../../private/secret.txt)", "c-015", "image '../../../private/secret.txt' is not a file inside the topic folder"),
    ("![A picture](http://127.0.0.1:9/picture.png)", "c-015", "image 'http://127.0.0.1:9/picture.png' is not a file inside the topic folder"),
    ("![A picture](//127.0.0.1:9/picture.png)", "c-015", "image '//127.0.0.1:9/picture.png' is not a file inside the topic folder"),
    ("![A picture](images/%2e%2e/%2e%2e/%2e%2e/private/secret.png)", "c-015",
     "image 'images/../../../private/secret.png' is not a file inside the topic folder"),
    ("[Read this](file://{secret})", "c-015", "link 'file://{secret}' is neither a section"),
    ('<link rel="attachment" href="file://{secret}">', "c-014", "raw HTML '<link rel=\"attachment\" href=\"file:///..."),
    ('Hello <img src="file://{secret}"> there', "c-014", "raw HTML '<img src=\"file://"),
    ("[Click](javascript:alert(1))", "c-015", "link 'javascript:alert(1)' is neither a section"),
])
def test_content_that_points_outside_is_a_clear_error(project, secret, tmp_path, monkeypatch, markdown, code, says):
    add_to_about(project, markdown.format(secret=secret))
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out")
    assert result.exit_code == 3
    assert f"{code} [error] {ABOUT} line 10: {says.format(secret=secret)}" in result.stderr
    assert_not_leaked(result, tmp_path / "out")


@pytest.mark.parametrize("what", ["section", "image", "sections folder"])
def test_a_link_from_the_topic_to_an_outside_file_is_refused(project, secret, tmp_path, monkeypatch, what):
    sections = project / "source" / "tiny" / "sections"
    if what == "section":
        (sections / "05-secret.md").symlink_to(secret)
    elif what == "image":
        (project / "source" / "tiny" / "images" / "dot.png").unlink()
        (project / "source" / "tiny" / "images" / "dot.png").symlink_to(secret)
    else:
        (secret.parent / "05-secret.md").write_text(f"---\nid: secret\ntitle: S\naudience: [patient]\n---\n{MARKER}\n")
        (sections / "05-more").symlink_to(secret.parent)
        (sections / "05-more.md").write_text("---\nid: more\ntitle: More\naudience: [patient]\n---\nMore.\n")
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out")
    assert result.exit_code == 3
    assert "c-015 [error] source/tiny/" in result.stderr and "outside the topic folder" in result.stderr
    assert_not_leaked(result, tmp_path / "out")


def test_an_svg_that_loads_another_file_is_refused(project, secret, tmp_path, monkeypatch):
    (project / "source" / "tiny" / "images" / "chart.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file://{secret}"/></svg>')
    add_to_about(project, "![A chart](images/chart.svg)")
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out")
    assert result.exit_code == 3
    assert f"c-015 [error] {ABOUT} line 10: image 'images/chart.svg' is not a self-contained SVG picture" in result.stderr
    assert_not_leaked(result, tmp_path / "out")


def test_yaml_builds_no_objects(project, tmp_path, monkeypatch):
    flag = tmp_path / "pwned"
    with open(project / "source" / "tiny" / "topic.yaml", "a", encoding="utf-8") as f:
        f.write(f'summary: !!python/object/apply:os.system ["touch {flag}"]\n')
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out")
    assert result.exit_code == 3
    assert ("c-001 [error] source/tiny/topic.yaml line 7: YAML syntax error: the tag "
            "'!!python/object/apply:os.system' is not allowed") in result.stderr
    assert not flag.exists()


# -- layouts (templates and stylesheets are edited by people too) ---------------------------

class _Counter(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        _Counter.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A local web server that records every request: the build must make none."""
    _Counter.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.requests
    server.shutdown()


@pytest.mark.parametrize("where, old, new", [
    ("layouts/styles/print.css", "/* Print (PDF)", '@import url("{url}");\n/* Print (PDF)'),  # must come first
    ("layouts/styles/print.css", "@page {", 'body {{ background: url("{url}"); }}\n@page {'),
    ("layouts/shared/print.html.j2", "{% block head %}<style>", '{% block head %}<link rel="attachment" href="{url}"/><style>'),
    ("layouts/shared/print.html.j2", "<main>", '<main><a rel="attachment" href="{url}">notes</a>'),
    ("layouts/shared/print.html.j2", "<main>", '<main><img src="{url}" alt="x"/>'),
    ("layouts/shared/print.html.j2", "{% block head %}<style>", '{% block head %}<link rel="stylesheet" href="{url}"/><style>'),
])
@pytest.mark.parametrize("target", ["secret", "network"])
def test_layouts_cannot_read_outside_files_or_the_network(project, secret, web_server, tmp_path, where, old, new,
                                                          target):
    base, requests = web_server
    url = f"file://{secret}" if target == "secret" else f"{base}/leak.css"
    edit(project / where, old, new.replace("{url}", url).replace("{{", "{").replace("}}", "}"))
    result = build(project, tmp_path / "out", "--edition", "patient-handout")
    assert result.exit_code == 7
    assert f"c-015 [error] {tmp_path / 'out/tiny/tiny-patient-handout.pdf'}: refused to read '{url}'" in result.stderr
    assert requests == []
    assert_not_leaked(result, tmp_path / "out")


# -- raw HTML and titles are text ----------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_a_script_title_is_text_in_the_html_and_the_epub(project, tmp_path):
    edit(project / ABOUT, "title: About Sleep", f"title: '{SCRIPT}'")
    result = build(project, tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "tiny"

    page = lxml_html.fromstring((out / "tiny-web.html").read_bytes())
    assert page.xpath("//script") == [] and page.xpath("//*[starts-with(name(), 'script')]") == []
    assert [h.text_content() for h in page.xpath("//h2[@id='about']")] == [SCRIPT]
    assert SCRIPT in [a.text_content() for a in page.xpath("//nav//a")]

    with zipfile.ZipFile(out / "tiny-booklet.epub") as z:
        chapters = [n for n in z.namelist() if n.endswith("-about.xhtml")]
        assert len(chapters) == 1
        doc = etree.fromstring(z.read(chapters[0]))
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    assert doc.xpath("//x:script", namespaces=ns) == []
    assert [h.xpath("string()") for h in doc.xpath("//x:h1", namespaces=ns)] == [SCRIPT]
    assert doc.xpath("string(//x:title)", namespaces=ns) == SCRIPT
    assert SCRIPT in [a.xpath("string()") for a in nav.xpath("//x:a", namespaces=ns)]
    assert SCRIPT in pdf_text((out / "tiny-patient-handout.pdf").read_bytes())


def test_an_allowed_picture_reaches_every_format(project, tmp_path):
    """The checks do not get in the way: a picture inside the topic is in all outputs."""
    assert build(project, tmp_path / "out").exit_code == 0
    picture = (TINY / "images" / "dot.png").read_bytes()
    out = tmp_path / "out" / "tiny"
    with zipfile.ZipFile(out / "tiny-booklet.epub") as z:
        assert z.read("EPUB/images/dot.png") == picture
    import base64
    page = lxml_html.fromstring((out / "tiny-web.html").read_bytes())
    assert [img.get("src") for img in page.xpath("//img")] == [
        "data:image/png;base64," + base64.b64encode(picture).decode()]
    import pikepdf
    with pikepdf.open(out / "tiny-patient-handout.pdf") as pdf:
        images = [img for page in pdf.pages for img in page.get_images().values()]
        assert len(images) == 1 and images[0].Width == 1


def test_a_path_written_as_plain_text_is_only_text(project, secret, tmp_path):
    """Naming a file in the text reads nothing: the build succeeds, the outputs show the
    words, and the file's bytes are in none of them."""
    add_to_about(project, f"Our notes are kept in file://{secret} and ../../private/secret.txt.")
    result = build(project, tmp_path / "out")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "tiny" / "tiny-web.html").read_text(encoding="utf-8")
    assert f"file://{secret}" in page
    assert len(snapshot(tmp_path / "out")) == len(OUTPUTS)  # every edition and the index
    assert_not_leaked(result, tmp_path / "out")


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/object/new:subprocess.Popen",
                                 "!!python/name:os.system"])
def test_python_tags_are_refused(project, tmp_path, monkeypatch, tag):
    with open(project / "source" / "tiny" / "topic.yaml", "a", encoding="utf-8") as f:
        f.write(f"summary: {tag} [echo]\n")
    monkeypatch.chdir(project)
    result = build(project, tmp_path / "out")
    assert result.exit_code == 3
    assert f"c-001 [error] source/tiny/topic.yaml line 7: YAML syntax error: the tag '{tag.split(' ')[0]}" in result.stderr
