"""`publish serve` in a real browser: Debian's Chromium driven by playwright (no browser is
downloaded). The form used with the keyboard alone, the preview updating itself after a
save, and axe-core (WCAG 2.1 A/AA) on every page at 390 and 1280 px.

Needs Chromium (/usr/bin/chromium or $CHROMIUM) and axe-core from node_modules (npm ci);
without them these tests are skipped, except in CI (CI=true), where that is a failure."""
from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pikepdf
import pytest

from publisher.verify.text import output_blocks
from publisher.verify.tools import find_tools
from publisher.web.app import create_app
from publisher.web.site import Site
from serve_helpers import ROOT, LiveServer, make_project, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium: seconds a test

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (390, 1280)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def tools():
    """Where Chromium and node_modules are (conftest skips or fails the test when missing)."""
    return find_tools(ROOT)


@pytest.fixture(scope="module")
def served(tools, tmp_path_factory):
    """The whole application (build at start, watcher, warm renderer) on a small project."""
    project = make_project(tmp_path_factory.mktemp("browser-project"), translated_copy=True)
    app = create_app(Site(project))
    preview = app.app.state.preview
    with LiveServer(app) as server:
        wait_for(lambda: {"tiny", "sleep-hygiene", "tiny-es"} <= set(preview.states)
                 and all(s.ok is not None and not s.building for s in preview.states.values()), timeout=300)
        yield server, project, preview


@pytest.fixture(scope="module")
def browser(tools):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(tools.chromium), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.route("http*://*/**", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  else route.abort())
    tab = context.new_page()
    yield tab
    context.close()


def tab_to(page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element with this id has the focus (the keyboard only)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


# -- the form with the keyboard alone ---------------------------------------------------------
def test_keyboard_only_two_sections_to_a_pdf(served, page):
    server, project, _ = served
    page.goto(server.url + "/summary")
    # Step 1: the topic and the reader, chosen with the keyboard.
    tab_to(page, "topic")
    page.keyboard.press("ArrowDown")  # the second topic: tiny
    page.keyboard.press("ArrowUp")  # back to the first: sleep-hygiene
    assert page.input_value("#topic") == "sleep-hygiene"
    tab_to(page, "audience-patient")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Show the sections"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "topic=sleep-hygiene" in page.url
    # Step 2: two sections by keyboard, then the button.
    tab_to(page, "s-why-sleep-matters")
    page.keyboard.press("Space")
    tab_to(page, "s-bedroom")
    page.keyboard.press("Space")
    assert page.is_checked("#s-why-sleep-matters") and page.is_checked("#s-bedroom")
    assert page.is_checked("#s-disclaimer") and page.is_disabled("#s-disclaimer")
    before = {p for p in project.root.rglob("*") if p.is_file()}
    tab_to(page, "make")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename == "sleep-hygiene-patient-why-sleep-matters-bedroom.pdf"
    data = Path(download.path()).read_bytes()
    blocks = output_blocks("pdf", data)
    found = [b.text for b in blocks if b.kind == "heading"]
    assert [h for h in found if h in ("Why Sleep Matters", "Habits That Help You Sleep", "Your Bedroom",
                                      "Your Daily Routine")] == ["Why Sleep Matters", "Habits That Help You Sleep",
                                                                 "Your Bedroom"]
    assert {"Medical Disclaimer", "When to Get Help"} <= set(found)  # the safety blocks
    assert "988" in " ".join(b.text for b in blocks)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert pdf.Root.MarkInfo.Marked and "/StructTreeRoot" in pdf.Root
    assert {p for p in project.root.rglob("*") if p.is_file()} == before  # nothing written


def test_problems_are_announced_and_get_the_focus(served, page):
    server, _, _ = served
    page.goto(server.url + "/summary?topic=tiny&audience=patient")
    tab_to(page, "make")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # no section ticked
    errors = page.locator("#errors")
    assert errors.get_attribute("aria-live") == "assertive"
    wait_for(lambda: page.evaluate("document.activeElement.id") == "errors", timeout=10)
    assert "u-001" in errors.inner_text() and "Hint:" in errors.inner_text()


# -- the preview updates itself ---------------------------------------------------------------
def test_preview_shows_a_saved_change_without_a_reload(served, page):
    server, project, preview = served
    page.goto(server.url + "/topics/tiny")
    frame = page.frame_locator("iframe.webpage")
    frame.locator("body").get_by_text("Sleep helps you feel well.").wait_for()
    page.evaluate("window.notReloaded = true")
    version = preview.version
    page.wait_for_function("document.querySelector('#status') !== null")
    about = project.source_dir / "tiny" / "sections" / "03-about.md"
    new = "A cool, dark room helps you sleep."
    handout = 'img[src*="/pages/tiny-patient-handout.pdf/1.png"]'
    old_image = page.get_attribute(handout, "src")
    saved = time.monotonic()
    about.write_text(about.read_text().replace("Sleep helps you feel well.", new))
    frame.locator("body").get_by_text(new).wait_for(timeout=30000)
    web_seconds = time.monotonic() - saved
    wait_for(lambda: page.get_attribute(handout, "src") != old_image, timeout=30, step=0.02)
    handout_seconds = time.monotonic() - saved
    assert page.evaluate("window.notReloaded") is True  # updated in place
    assert preview.version > version
    print(f"\npreview: saved -> new text in the web page {web_seconds:.2f} s, "
          f"new two-page patient handout shown {handout_seconds:.2f} s")
    (Path(os.environ.get("SERVE_REPORT_DIR", project.root)) / "preview-latency.txt").write_text(
        f"web page {web_seconds:.3f} s\npatient handout {handout_seconds:.3f} s\n")
    # A save that breaks the content: the findings show, the last good web page stays.
    about.write_text(about.read_text().replace("title: About Sleep", "title: [About Sleep"))
    page.locator(".build-status").get_by_text("Last build: failed").wait_for(timeout=30000)
    assert page.locator(".findings .code").first.inner_text().startswith("c-")
    frame.locator("body").get_by_text(new).wait_for()
    about.write_text(about.read_text().replace("title: [About Sleep", "title: About Sleep"))
    page.locator(".build-status").get_by_text("Last build: succeeded").wait_for(timeout=30000)


# -- axe on every page at both widths ---------------------------------------------------------
def axe(page, source: str) -> dict:
    for frame in page.frames:  # axe checks inside the preview's iframe too
        frame.add_script_tag(content=source)
    return page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return {version: r.testEngine.version, violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))};
    }""", TAGS)


def pages_to_check(server):
    """(name, how to open it) for every page of the application."""
    def open_url(path):
        return lambda page: page.goto(server.url + path)

    def refused(page):
        page.goto(server.url + "/summary?topic=tiny&audience=patient")
        with page.expect_navigation():
            page.click("#make")

    def saved(page):
        page.goto(server.url + "/summary?topic=tiny&audience=patient")
        page.check("#s-about")
        page.fill("#recipe-name", f"axe-{page.viewport_size['width']}")
        with page.expect_navigation():
            page.click("#save-recipe")

    return [("home", open_url("/")), ("topic tiny", open_url("/topics/tiny")),
            ("topic sleep-hygiene", open_url("/topics/sleep-hygiene")),
            ("topic tiny-es (English and Spanish files)", open_url("/topics/tiny-es")),
            ("form", open_url("/summary?topic=sleep-hygiene&audience=patient")),
            ("form with a language choice", open_url("/summary?topic=tiny-es&audience=patient")),
            ("form with problems", refused), ("recipe saved", saved), ("not found", open_url("/nowhere"))]


def test_axe_finds_no_violation_on_any_page_at_390_and_1280(served, browser, tools):
    server, project, _ = served
    source = (tools.axe_modules / "axe-core" / "axe.min.js").read_text()
    results = {}
    for width in WIDTHS:
        # axe is injected into the page: only its context lets inline script past our CSP.
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        for name, open_page in pages_to_check(server):
            open_page(page)
            page.wait_for_load_state("load")
            result = axe(page, source)
            results[f"{name} @ {width}px"] = result["violations"]
            print(f"axe-core {result['version']} {name} @ {width}px: {len(result['violations'])} violations")
        context.close()
    (Path(os.environ.get("SERVE_REPORT_DIR", project.root)) / "axe.json").write_text(json.dumps(results, indent=1))
    assert not {k: v for k, v in results.items() if v}, json.dumps(results, indent=1)
