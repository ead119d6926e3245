"""`publish serve` over HTTP (no browser): the form, POST /summary, recipes, the preview's
builds, and every safety rule (loopback, token, traversal, same origin, body size, headers)."""
from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest
from lxml import html as lxml_html
from starlette.testclient import TestClient

from publisher.summary import plan_summary, read_recipe
from publisher.verify.text import output_blocks
from publisher.web.app import create_app
from publisher.web.guard import MAX_BODY
from publisher.web.preview import Preview
from publisher.web.site import Site
from serve_helpers import LiveServer, make_project

LOCAL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("serve-project"))


@pytest.fixture(scope="module")
def site(project):
    return Site(project)


@pytest.fixture(scope="module")
def client(site):
    """The routes only: no build at start, no watcher, no warm-up."""
    with TestClient(create_app(site, watch=False, build=False, warm=False), base_url=LOCAL) as c:
        yield c


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def headings(data: bytes) -> list[str]:
    return [b.text for b in output_blocks("pdf", data) if b.kind == "heading"]


def doc_of(text: str):
    return lxml_html.fromstring(text)


# -- the form ---------------------------------------------------------------------------------
def test_form_lists_sections_nested_in_topic_order_with_safety_locked(client):
    page = doc_of(client.get("/summary?topic=sleep-hygiene&audience=patient").text)
    boxes = page.xpath('//fieldset[contains(@class, "sections")]//input[@type="checkbox"]')
    ids = [b.get("id")[2:] for b in boxes]
    assert ids == ["disclaimer", "why-sleep-matters", "habits", "routine", "bedroom", "when-to-seek-help", "faq"]
    # Subsections sit inside their parent's list item.
    assert page.xpath('//input[@id="s-habits"]/parent::li//input[@id="s-routine"]')
    for locked in ("disclaimer", "when-to-seek-help"):
        box = page.xpath(f'//input[@id="s-{locked}"]')[0]
        assert box.get("checked") is not None and box.get("disabled") is not None
        why = page.xpath(f'//*[@id="{box.get("aria-describedby")}"]')[0].text_content()
        assert "cannot be unticked" in why
    assert page.xpath('//input[@id="s-why-sleep-matters"]')[0].get("disabled") is None
    # Clinicians read the clinician-only section; nothing is locked for them.
    clinician = doc_of(client.get("/summary?topic=sleep-hygiene&audience=clinician").text)
    assert clinician.xpath('//input[@id="s-for-clinicians"]')
    assert not clinician.xpath('//input[@disabled]')


def test_every_control_has_a_label(client):
    page = doc_of(client.get("/summary?topic=sleep-hygiene&audience=patient").text)
    controls = page.xpath('//input[not(@type="hidden")] | //select')
    assert len(controls) > 10
    for control in controls:
        assert page.xpath(f'//label[@for="{control.get("id")}"]'), control.get("id") or control.get("name")


def test_form_offers_the_clinic_profiles_by_name(client):
    page = doc_of(client.get("/summary").text)
    options = {o.get("value"): o.text_content() for o in page.xpath('//select[@id="clinic"]/option')}
    assert options == {"default": "Community Health Clinic (default)", "riverside": "Riverside Family Health"}


# -- POST /summary ----------------------------------------------------------------------------
def test_summary_returns_the_file_and_writes_nothing(client, project):
    before = files_of(project.root)
    r = client.post("/summary", data={"topic": "sleep-hygiene", "audience": "patient",
                                      "section": ["routine", "why-sleep-matters"], "clinic": "riverside"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == \
        'attachment; filename="sleep-hygiene-patient-why-sleep-matters-routine.pdf"'
    found = headings(r.content)
    # Topic order, the parent's heading for the subsection, and the safety blocks added.
    assert [h for h in found if h in ("Why Sleep Matters", "Habits That Help You Sleep", "Your Daily Routine")] == \
        ["Why Sleep Matters", "Habits That Help You Sleep", "Your Daily Routine"]
    assert "Your Bedroom" not in found
    text = " ".join(b.text for b in output_blocks("pdf", r.content))
    assert "988" in text and "Riverside Family Health" in text
    assert r.headers["x-publish-added"] == "Medical Disclaimer; When to Get Help"
    assert files_of(project.root) == before


def test_summary_json_fields_and_other_formats(client):
    r = client.post("/summary", json={"topic": "tiny", "audience": "clinician", "sections": ["for-clinicians"],
                                      "format": "html", "large_print": False})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert 'filename="tiny-clinician-for-clinicians.html"' in r.headers["content-disposition"]
    assert "Ask about sleep at every visit." in r.text


def test_bad_selection_names_each_problem_as_the_cli_does(client, project):
    before = files_of(project.root)
    r = client.post("/summary", data={"topic": "tiny", "audience": "reader", "format": "docx",
                                      "large-print": "maybe", "colour": "red", "clinic": "nowhere"})
    assert r.status_code == 422
    page = doc_of(r.text)
    items = [li.text_content() for li in page.xpath('//*[@id="errors"]//li')]
    codes = sorted(i.split()[0] for i in items)
    assert codes == ["c-003", "c-005", "c-012", "c-012", "u-001"], items
    assert any("'format: docx' is not allowed" in i and "Hint: Expected one of: pdf, epub, html." in i for i in items)
    assert any("unknown clinic profile 'nowhere'" in i for i in items)
    errors = page.xpath('//*[@id="errors"]')[0]
    assert errors.get("aria-live") == "assertive" and errors.get("tabindex") == "-1"
    assert files_of(project.root) == before


def test_every_problem_of_a_request_comes_in_one_answer(client):
    """An unknown clinic profile does not hide an unknown section id: both are named at once."""
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "abut", "clinic": "nowhere"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert [f["code"] for f in r.json()["findings"]] == ["u-001", "u-002"]


def test_unknown_section_is_coded_and_json_for_machines(client):
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "abut"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422
    [f] = r.json()["findings"]  # the library's own finding, as `publish summary` prints it
    assert f["code"] == "u-002" and "'abut' is not a section id of topic 'tiny'" in f["message"]
    assert f["hint"].startswith("Did you mean about?")
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "for-clinicians"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.json()["findings"][0]["code"] == "u-003"
    # Paths as an editor sees them: inside the project, never the server's own folders.
    assert r.json()["findings"][0]["file"] == "source/tiny/sections/04-for-clinicians.md"
    r = client.post("/summary", data={"topic": "nosuch", "audience": "patient", "section": "x"},
                    headers={"Accept": "application/json"})
    [f] = r.json()["findings"]  # a one-line error on the command line (exit 4), coded here
    assert f["code"] == "u-004" and f["message"] == "unknown topic nosuch; topics: sleep-hygiene, tiny"
    assert "GET /summary" in f["hint"]


def test_no_path_is_taken_from_a_request(client, project):
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about",
                                      "output": "/tmp/evil.pdf"}, headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert "c-003" in [f["code"] for f in r.json()["findings"]]  # output is not a field here
    assert not Path("/tmp/evil.pdf").exists()
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about",
                                      "clinic": "../clinic"}, headers={"Accept": "application/json"})
    assert r.status_code == 422 and "unknown clinic profile '../clinic'" in r.json()["findings"][0]["message"]


# -- recipes ----------------------------------------------------------------------------------
def test_save_as_recipe_writes_what_publish_summary_reads(client, site, project):
    fields = {"topic": "sleep-hygiene", "audience": "patient", "section": ["bedroom"], "clinic": "riverside",
              "large-print": "true", "paper": "a4"}
    r = client.post("/recipes", data={**fields, "recipe_name": "bedroom-a4"})
    assert r.status_code == 201, r.text
    saved = project.root / "recipes" / "bedroom-a4.yaml"
    request = read_recipe(saved)
    assert (request.topic, request.audience, request.sections, request.large_print, request.paper) == \
        ("sleep-hygiene", "patient", ("bedroom",), True, "a4")
    assert request.clinic.resolve() == (project.source_dir / "clinics" / "riverside.yaml").resolve()
    content = site.content()
    doc, _ = plan_summary(request, content.editions, content.topics["sleep-hygiene"], project.out_dir)
    assert doc.edition.large_print and [s.id for s in doc.all_sections() if not s.heading_only] == \
        ["disclaimer", "bedroom", "when-to-seek-help"]
    again = client.post("/recipes", data={**fields, "recipe_name": "bedroom-a4"})
    assert again.status_code == 409 and "exists already" in again.text


@pytest.mark.parametrize("name", ["../escape", "/tmp/x", "Upper", "a b", "", "x" * 70, ".hidden", "-x"])
def test_recipe_names_are_checked(client, project, name):
    before = files_of(project.root)
    r = client.post("/recipes", data={"topic": "tiny", "audience": "patient", "section": "about", "recipe_name": name},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422
    assert r.json()["findings"][0]["code"] == "u-001"
    assert files_of(project.root) == before


# -- safe by default --------------------------------------------------------------------------
def test_security_headers_on_every_kind_of_response(client):
    for r in (client.get("/"), client.get("/summary"), client.get("/static/app.css"), client.get("/nowhere"),
              client.post("/summary", data={"topic": "tiny"})):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "default-src" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"] or \
            "default-src 'none'" in r.headers["content-security-policy"]


def test_loopback_server_refuses_other_host_names(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 200


@pytest.mark.parametrize("path", [
    "/topics/../etc/passwd", "/topics/%2e%2e/files/patient-handout", "/topics/tiny/files/..%2f..%2fsource",
    "/topics/tiny/files/%2e%2e%2f%2e%2e%2fsource%2fclinic.yaml", "/topics//etc/passwd/files/x",
    "/topics/tiny/files//etc/passwd", "/topics/%2Fetc%2Fpasswd/files/patient-handout",
    "/static/../publisher/web/site.py", "/static/%2e%2e/site.py", "/static//etc/passwd",
    "/topics/tiny/pages/tiny-patient-handout.pdf/0.png", "/topics/tiny/pages/tiny-patient-handout.pdf/99.png",
    "/topics/tiny/files/..%2ftiny%2ftiny-patient-handout.pdf", "/topics/tiny/files/tiny-patient-handout",
    "/topics/source/files/editions",
])
def test_traversal_gets_404(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "root:" not in r.text and "def " not in r.text


def test_a_link_out_of_the_output_folder_is_not_followed(tmp_path):
    project = make_project(tmp_path / "p", sleep=False)
    site = Site(project)
    target = project.out_dir / "tiny"
    target.mkdir(parents=True)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7 secret")
    (target / "tiny-patient-handout.pdf").symlink_to(secret)
    (project.out_dir / "elsewhere").symlink_to(tmp_path)
    with TestClient(create_app(site, watch=False, build=False, warm=False), base_url=LOCAL) as c:
        assert c.get("/topics/tiny/files/tiny-patient-handout.pdf").status_code == 404
        assert c.get("/topics/tiny/pages/tiny-patient-handout.pdf/1.png").status_code == 404
        assert site.built_file("tiny", "tiny-patient-handout.pdf") is None
    # The whole topic folder as a link leading out: refused too.
    (target / "tiny-patient-handout.pdf").unlink()
    target.rmdir()
    (tmp_path / "elsewhere-topic").mkdir()
    (tmp_path / "elsewhere-topic" / "tiny-patient-handout.pdf").write_bytes(b"%PDF-1.7 secret")
    target.symlink_to(tmp_path / "elsewhere-topic")
    assert site.built_file("tiny", "tiny-patient-handout.pdf") is None


def test_cross_origin_posts_are_refused(client, project):
    fields = {"topic": "tiny", "audience": "patient", "section": "about"}
    r = client.post("/summary", data=fields, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/summary", data=fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/recipes", data={**fields, "recipe_name": "csrf"}, headers={"Origin": "null"})
    assert r.status_code == 403 and not (project.root / "recipes" / "csrf.yaml").exists()
    r = client.post("/summary", data=fields, headers={"Origin": "http://127.0.0.1:8001"})  # another port
    assert r.status_code == 403
    assert client.post("/summary", data=fields, headers={"Origin": LOCAL}).status_code == 200
    # Behind an HTTPS proxy the page's origin is https: the same host and port are accepted.
    assert client.post("/summary", data=fields, headers={"Origin": "https://127.0.0.1:8000"}).status_code == 200


def test_large_bodies_are_refused(client):
    big = {"topic": "tiny", "audience": "patient", "title": "x" * (MAX_BODY + 1)}
    assert client.post("/summary", data=big).status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY // 1000 + 2):
            yield b"title=" + b"x" * 1000 + b"&"

    r = client.post("/summary", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_token_is_needed_off_loopback(site):
    token = "s3cret-token"
    app = create_app(site, token=token, watch=False, build=False, warm=False)
    with TestClient(app, base_url="http://192.0.2.10:8000", follow_redirects=False) as c:
        assert c.get("/").status_code == 403
        assert c.get("/summary?token=wrong").status_code == 403
        assert c.post("/summary", data={"topic": "tiny"}).status_code == 403
        r = c.get("/summary?token=" + token + "&topic=tiny")
        assert r.status_code == 303 and r.headers["location"] == "/summary?topic=tiny"
        assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
        assert c.get("/summary").status_code == 200  # the cookie
    with TestClient(app, base_url="http://192.0.2.10:8000") as c:
        r = c.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about"},
                   headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_a_server_on_every_address_is_shown_by_the_machine_name():
    """`--host 0.0.0.0` (or ::) is where the server listens, not an address a browser opens:
    the printed address names this machine instead."""
    import socket
    from publisher.web.server import address
    name = socket.gethostname()
    assert address("0.0.0.0", 8000, "t0k") == f"http://{name}:8000/?token=t0k"
    assert address("::", 8080) == f"http://{name}:8080/"
    assert address("127.0.0.1", 8000) == "http://127.0.0.1:8000/" and address("::1", 8000) == "http://[::1]:8000/"


def test_access_token_only_off_loopback():
    from publisher.web.server import access_token
    assert access_token("127.0.0.1") is None and access_token("localhost") is None and access_token("::1") is None
    assert len(access_token("0.0.0.0", environ={})) >= 32
    assert access_token("0.0.0.0", environ={"PUBLISH_SERVE_TOKEN": "fixed"}) == "fixed"


# -- eight at once ----------------------------------------------------------------------------
def test_eight_requests_at_once_each_get_their_own_sections(site):
    choices = [["why-sleep-matters"], ["routine"], ["bedroom"], ["faq"], ["why-sleep-matters", "bedroom"],
               ["routine", "faq"], ["habits"], ["why-sleep-matters", "faq"]]
    titles = {"why-sleep-matters": "Why Sleep Matters", "routine": "Your Daily Routine", "bedroom": "Your Bedroom",
              "faq": "Frequently Asked Questions"}
    import httpx2 as httpx
    with LiveServer(create_app(site, watch=False, build=False, warm=False)) as server:
        def ask(sections):
            return httpx.post(server.url + "/summary", timeout=120,
                              data={"topic": "sleep-hygiene", "audience": "patient", "section": sections})
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, choices))
        assert httpx.get(server.url + "/", timeout=30).status_code == 200  # still up
    for sections, r in zip(choices, answers):
        assert r.status_code == 200, r.text
        found = set(headings(r.content))
        wanted = {titles[s] for s in sections if s in titles}
        if "habits" in sections:
            wanted |= {"Your Daily Routine", "Your Bedroom"}
        assert wanted <= found, (sections, found)
        assert not ({t for t in titles.values()} - wanted) & found, (sections, found)
        assert {"Medical Disclaimer", "When to Get Help"} <= found  # the safety blocks, always
        with pikepdf.open(io.BytesIO(r.content)) as pdf:
            assert pdf.open_metadata().get("pdfuaid:part") == "1"


# -- the preview ------------------------------------------------------------------------------
def test_preview_builds_shows_reading_levels_and_keeps_the_last_good_files(tmp_path):
    project = make_project(tmp_path / "p", sleep=False)
    site = Site(project)
    preview = Preview(site)
    preview.build()
    state = preview.states["tiny"]
    on_disk = {p.name for p in (project.out_dir / "tiny").iterdir() if p.is_file()}
    assert state.ok and set(state.outputs) == on_disk and "tiny-patient-handout.pdf" in on_disk
    edition, reading = state.readings["tiny-patient-handout.pdf"]
    assert [s.id for s in reading.sections] == ["disclaimer", "help", "about"]
    handout = state.outputs["tiny-patient-handout.pdf"].path
    good = handout.read_bytes()
    app = create_app(site, watch=False, build=False, warm=False)
    app.app.state.preview.states.update(preview.states)
    with TestClient(app, base_url=LOCAL) as c:
        page = doc_of(c.get("/topics/tiny").text)
        rows = page.xpath('//table[@class="reading"][1]//tbody/tr/th')
        assert [r.text_content().strip() for r in rows] == ["Medical Disclaimer", "When to Get Help", "About Sleep",
                                                            "Whole text"]
        assert page.xpath('//img[contains(@src, "/topics/tiny/pages/tiny-patient-handout.pdf/1.png")]')
        assert c.get("/topics/tiny/pages/tiny-patient-handout.pdf/1.png").content.startswith(b"\x89PNG")
        assert page.xpath('//iframe[contains(@src, "/topics/tiny/files/tiny-web.html")]')
    # A save that breaks the content: the findings, and the last good file stays.
    about = project.source_dir / "tiny" / "sections" / "03-about.md"
    about.write_text(about.read_text().replace("title: About Sleep", "title: About Sleep\nmood: [x"))
    preview.build(["tiny"])
    state = preview.states["tiny"]
    assert state.ok is False and state.findings and state.findings[0].code.startswith("c-")
    assert handout.read_bytes() == good
    with TestClient(app, base_url=LOCAL) as c:
        app.app.state.preview.states.update(preview.states)
        page = c.get("/topics/tiny").text
        assert "Last build: failed" in page and state.findings[0].code in page
        assert c.get("/topics/tiny/files/tiny-patient-handout.pdf").content == good


def test_a_save_rebuilds_only_that_topic(tmp_path):
    project = make_project(tmp_path / "p", sleep=False)
    preview = Preview(Site(project))
    changed = project.source_dir / "tiny" / "sections" / "03-about.md"
    assert preview.topics_of({changed}) == ["tiny"]
    assert preview.topics_of({project.editions_file}) is None  # every topic
    assert preview.topics_of({project.layouts_dir / "styles" / "print.css"}) is None


def test_events_tell_the_pages_of_each_build(tmp_path):
    import httpx2 as httpx
    project = make_project(tmp_path / "p", sleep=False)
    app = create_app(Site(project), watch=False, build=False, warm=False)
    preview = app.app.state.preview
    with LiveServer(app) as server:
        with httpx.stream("GET", server.url + "/events", timeout=60) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            lines = r.iter_lines()
            first = next(line for line in lines if line.startswith("data:"))
            builder = threading.Thread(target=preview.build, args=(["tiny"],), daemon=True)
            builder.start()
            second = next(line for line in lines if line.startswith("data:"))
            assert int(second.split(":")[1]) > int(first.split(":")[1])
        builder.join(120)


def test_serve_command_help_names_host_port_and_token():
    from click.testing import CliRunner

    from publish import cli
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output and "token" in result.output


def test_the_forms_own_fields_as_a_browser_sends_them(client):
    """Every field of the form as it is posted (the empty recipe name included), two sections ticked."""
    page = doc_of(client.get("/summary?topic=sleep-hygiene&audience=patient").text)
    form = page.xpath('//form[@method="post"]')[0]
    fields = [(i.get("name"), i.get("value") or "") for i in form.xpath('.//input[@name]')
              if i.get("type") not in ("checkbox", "radio")]
    fields += [(s.get("name"), s.xpath('./option[@selected]/@value')[0]) for s in form.xpath('.//select')]
    fields += [("section", "routine"), ("section", "faq")]
    r = client.post("/summary", content="&".join(f"{k}={v}" for k, v in fields),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert 'filename="sleep-hygiene-patient-routine-faq.pdf"' in r.headers["content-disposition"]
    r = client.post("/recipes", content="&".join(f"{k}={v}" for k, v in fields if k != "recipe_name")
                    + "&recipe_name=routine-faq", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 201, r.text


def test_the_same_inputs_again_are_answered_from_memory_until_a_file_changes(tmp_path):
    project = make_project(tmp_path / "p", sleep=False)
    with TestClient(create_app(Site(project), watch=False, build=False, warm=False), base_url=LOCAL) as c:
        fields = {"topic": "tiny", "audience": "patient", "section": "about", "format": "html"}
        first, again = c.post("/summary", data=fields), c.post("/summary", data=fields)
        assert first.headers["x-publish-made"] == "rendered"
        assert again.headers["x-publish-made"].startswith("from memory") and again.content == first.content
        other = c.post("/summary", data={**fields, "paper": "a4"})
        assert other.headers["x-publish-made"] == "rendered"
        about = project.source_dir / "tiny" / "sections" / "03-about.md"
        about.write_text(about.read_text().replace("Sleep helps you feel well.", "Sleep helps you heal."))
        changed = c.post("/summary", data=fields)
        assert changed.headers["x-publish-made"] == "rendered" and "Sleep helps you heal." in changed.text


def test_language_choice_when_the_topic_has_translations(tmp_path):
    project = make_project(tmp_path / "p", translations=True)
    site = Site(project)
    client = TestClient(create_app(site, watch=False, build=False, warm=False), base_url=LOCAL)
    files = site.outputs_of("tiny")  # what the preview shows and serves: every edition in each language
    assert files["tiny-patient-handout.es.pdf"].lang == "es" and files["tiny-patient-handout.pdf"].lang == "en-US"
    assert files["tiny-web.es.html"].relative == "tiny/tiny-web.es.html"
    page = doc_of(client.get("/summary?topic=tiny&audience=patient").text)
    options = {o.get("value"): o.text_content() for o in page.xpath('//select[@id="lang"]/option')}
    assert options == {"": "English (United States) (the topic's own)", "es": "Spanish"}
    assert page.xpath('//label[@for="lang"]')
    assert not doc_of(client.get("/summary?topic=sleep-hygiene").text).xpath('//select[@id="lang"]')
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about", "lang": "es",
                                      "format": "html"})
    assert r.status_code == 200, r.text
    assert 'lang="es"' in r.text and 'filename="tiny-patient-about.es.html"' in r.headers["content-disposition"]
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about", "lang": "fr"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.json()["findings"][0]["code"] == "n-003"
    r = client.post("/recipes", data={"topic": "tiny", "audience": "patient", "section": "about", "lang": "es",
                                      "recipe_name": "about-es"})
    assert r.status_code == 201 and read_recipe(project.root / "recipes" / "about-es.yaml").lang == "es"


def test_publish_serve_starts_prints_its_address_and_stops_on_ctrl_c(tmp_path):
    """The command itself, as a user runs it: off loopback it prints a token and refuses
    requests without it; Ctrl-C (SIGINT) stops it cleanly."""
    import signal
    import subprocess
    import sys
    import time

    import httpx2 as httpx

    from serve_helpers import free_port
    project = make_project(tmp_path / "p", sleep=False)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PUBLISH_SERVE_TOKEN"}
    server = subprocess.Popen([sys.executable, str(Path(__file__).parents[1] / "publish.py"), "serve", "--root",
                               str(project.root), "--host", "0.0.0.0", "--port", str(port), "--no-watch"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines = [server.stdout.readline() for _ in range(5)]
        token = next(line.split()[2] for line in lines if line.startswith("  Access token:"))
        import socket  # listening on every address: the address printed names this machine
        assert any(f"http://{socket.gethostname()}:{port}/?token={token}" in line for line in lines), lines
        url = f"http://127.0.0.1:{port}/summary"
        deadline = time.monotonic() + 60
        while True:
            try:
                refused = httpx.get(url, timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert refused.status_code == 403
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 200
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_bodies_that_are_not_fields_are_refused(client):
    assert client.post("/summary", content=b"topic=tiny", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/summary", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert client.post("/summary", json=["topic", "tiny"]).status_code == 400
    assert client.post("/summary", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}).status_code == 400
    assert client.put("/summary", data={"topic": "tiny"}).status_code == 405


def test_posted_title_with_a_direction_control_is_refused_coded(client):
    r = client.post("/summary", data={"topic": "tiny", "audience": "patient", "section": "about",
                                      "title": "Call \u202e889\u202c now"}, headers={"Accept": "application/json"})
    assert r.status_code == 422
    findings = r.json()["findings"]
    assert [f["code"] for f in findings] == ["c-023", "c-023"] and "U+202E" in findings[0]["message"]


def test_the_form_lists_the_sections_by_their_titles_in_the_chosen_language(tmp_path):
    """Making a Spanish file, the form lists each section by its Spanish title (the words the
    file will show), marked lang="es"; a section without a translation keeps its own title
    and says it is not translated."""
    project = make_project(tmp_path / "p", sleep=False, translations=True)
    (project.root / "source" / "tiny" / "sections" / "03-about.es.md").unlink()
    client = TestClient(create_app(Site(project), watch=False, build=False, warm=False), base_url=LOCAL)
    english = doc_of(client.get("/summary?topic=tiny&audience=patient").text)
    assert english.xpath('//label[@for="s-disclaimer"]/span')[0].text == "Medical Disclaimer"
    assert not english.xpath('//form//ul[@class="tree"]//*[@lang]')
    page = doc_of(client.get("/summary?topic=tiny&audience=patient&lang=es").text)
    [title] = page.xpath('//label[@for="s-disclaimer"]/span[@lang="es"]')
    assert title.text == "Aviso médico"
    assert page.xpath('//label[@for="s-help"]/span[@lang="es"]')[0].text == "Cuándo pedir ayuda"
    about = page.xpath('//label[@for="s-about"]')[0]
    assert about.xpath("span")[0].text == "About Sleep" and not about.xpath("span[@lang]")
    assert "not translated" in about.text_content()
    assert page.xpath('//select[@id="lang-shown"]/option[@selected]')[0].get("value") == "es"
    assert page.xpath('//select[@id="lang"]/option[@selected]')[0].get("value") == "es"


def test_preview_measures_files_built_earlier_in_their_languages(tmp_path):
    """Files already up to date when `publish serve` starts are measured on disk as the build
    selects them: a Spanish file in Spanish, a bilingual one in both languages."""
    project = make_project(tmp_path / "p", sleep=False, translations=True)
    first = Preview(Site(project))
    first.build()  # renders and caches everything
    again = Preview(Site(project))
    again.build()  # up to date: nothing rendered, every level measured on the files
    readings = again.states["tiny"].readings
    _, spanish = readings["tiny-patient-handout.es.pdf"]
    assert [s.lang for s in spanish.languages] == ["es"] and spanish.missing == ()
    _, both = readings["tiny-patient-handout-bilingual.pdf"]
    assert [s.lang for s in both.languages] == ["en", "es"] and both.missing == ()
    assert [(s.id, s.lang) for s in both.sections] == [(i, lang) for lang in ("en", "es")
                                                       for i in ("disclaimer", "help", "about")]
    _, book = readings["tiny-patient-handout-bilingual-epub.epub"]
    assert [s.lang for s in book.languages] == ["en", "es"] and book.missing == ()
