"""The routes of `publish serve` (Starlette). Thin: each one asks the library (through
`site` and `preview`) and fills a template.

GET  /                                  topics, editions, last build, findings (editors)
GET  /topics/{topic}                    the topic's built files as readers see them, its findings
                                        and the reading level of every section of each patient file
GET  /topics/{topic}/files/{file}       a built file, by its name (one the content model gives)
GET  /topics/{topic}/pages/{file}/{n}.png      page n of a built PDF as an image
GET  /events                            server-sent events: the preview's version after every build
GET  /summary                           the custom handout form (staff)
POST /summary                           a custom file (the fields of `publish summary`); 422 with
                                        the findings if the selection cannot be made
POST /recipes                           save the form's selection as recipes/<name>.yaml
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import io
import threading
from pathlib import Path
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import report
from ..editions import PAPERS
from ..errors import PublishError
from ..findings import Severity
from ..formats import FORMATS, format_of_path
from ..model import AUDIENCES
from .guard import Guard
from .preview import Preview
from .site import DEFAULT_CLINIC, Site

HERE = Path(__file__).parent
#: Form field (named as `publish summary`'s options) -> recipe field. `lang` is taken too
#: once the library knows it (a recipe field of that name).
FORM_FIELDS = {"topic": "topic", "audience": "audience", "section": "sections", "sections": "sections",
               "exclude": "exclude", "format": "format", "title": "title", "clinic": "clinic",
               "large-print": "large_print", "large_print": "large_print", "paper": "paper",
               "lang": "lang", "language": "lang"}
LISTS = {"sections", "exclude"}
FORM_ONLY = {"action", "recipe_name"}  # the form's own fields, not the request's
TRUE, FALSE = {"true", "on", "1", "yes"}, {"false", "off", "0", "no", ""}
PAGE_SCALE = 1.25  # page images: 72 dpi * 1.25 = 90 dpi, 765 px wide for Letter
KEEPALIVE_SECONDS = 15

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.globals.update(format_finding=report.format_finding, human_size=report.human_size)


def page(name: str, status: int = 200, **values) -> HTMLResponse:
    """A template filled in, as an HTML response that no cache keeps."""
    html = _env.get_template(name).render(**values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def create_app(site: Site, *, token: str | None = None, watch: bool = True, build: bool = True,
               warm: bool = True) -> Guard:
    """The application: the routes behind the guard. `watch`: rebuild on save; `build`:
    build every topic at start (in the background); `warm`: render one file at start."""
    preview = Preview(site)
    stop = asyncio.Event()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        preview.bind(asyncio.get_running_loop())
        tasks = []

        def start():
            if warm:
                site.warm_up()
            if build:
                preview.build()

        starter = threading.Thread(target=start, name="publish-serve-start", daemon=True)
        starter.start()
        if watch:
            tasks.append(asyncio.create_task(preview.watch(stop)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 2)

    # -- editors ------------------------------------------------------------------------
    async def home(request: Request) -> HTMLResponse:
        """Every topic, its built files, its last build and that build's findings."""
        content = await run_in_threadpool(site.content)
        topic_ids = preview.topic_ids()
        files = {tid: {name: (known, _language_name(known.lang) if known.lang else "")
                       for name, known in site.outputs_of(tid).items()} for tid in topic_ids}
        return page("home.html.j2", content=content, states=preview.states, nav="home", files=files, root=site.project.root,
                    topic_ids=topic_ids, title="Topics")

    async def topic_page(request: Request) -> HTMLResponse:
        """One topic's files as readers see them, its findings and its reading levels."""
        topic_id = request.path_params["topic"]
        content = await run_in_threadpool(site.content)
        if topic_id not in content.topics and topic_id not in content.broken:
            return not_found()
        state = preview.states.get(topic_id)
        topic = content.topics.get(topic_id)
        outputs = []
        for name, known in site.outputs_of(topic_id).items():
            path = site.built_file(topic_id, name)
            if path is None and topic is not None and known.lang != topic.language:
                continue  # a language this edition is not built in
            count = await run_in_threadpool(page_count, path) if path and FORMATS[known.edition.format].paged else None
            reading = state.readings.get(name) if state else None
            outputs.append({"name": name, "edition": known.edition, "lang": known.lang,
                            "lang_name": _language_name(known.lang) if known.lang else "", "path": path,
                            "pages": count, "version": _version(path) if path else "",
                            "inline": FORMATS[known.edition.format].shown_inline,
                            "rendered": bool(state and name in state.rendered), "reading": reading,
                            "tables": report.reading_tables(reading[1], reading[0]) if reading else []})
        return page("topic.html.j2", content=content, state=state, topic=topic, topic_id=topic_id, root=site.project.root,
                    outputs=outputs, nav="home", title=topic.title if topic else topic_id)

    async def built_file(request: Request) -> Response:
        """A built file, found by the name the content model gives it."""
        p = request.path_params
        path = site.built_file(p["topic"], p["file"])
        if path is None:
            return not_found()
        fmt = FORMATS[site.outputs_of(p["topic"])[p["file"]].edition.format]
        disposition = "inline" if fmt.shown_inline else "attachment"
        return Response(path.read_bytes(), media_type=fmt.media_type,
                        headers={"Content-Disposition": f'{disposition}; filename="{path.name}"',
                                 "Cache-Control": "no-cache"})

    async def page_image(request: Request) -> Response:
        """Page n of a built PDF as a PNG image."""
        p = request.path_params
        path = site.built_file(p["topic"], p["file"])
        if path is None or not getattr(format_of_path(path), "paged", False):
            return not_found()
        png = await run_in_threadpool(render_page, path, p["number"], _version(path))
        if png is None:
            return not_found()
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})

    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: the preview's version now, then after every build."""
        queue = preview.subscribe()

        async def stream():
            try:
                yield f"retry: 1000\ndata: {preview.version}\n\n"
                while True:
                    try:
                        version = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except asyncio.TimeoutError:
                        if stop.is_set():
                            return
                        yield ": still here\n\n"
                        continue
                    yield f"data: {version}\n\n"
            finally:
                preview.unsubscribe(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    # -- staff --------------------------------------------------------------------------
    async def form(request: Request) -> HTMLResponse:
        """The custom handout form (topic, audience and sections may be given in the query)."""
        fields = _fields(request.query_params.multi_items())
        return await run_in_threadpool(form_page, site, fields)

    async def summary(request: Request) -> Response:
        """POST /summary: the custom file, or 422 with every problem."""
        fields, problem = await _read_fields(request)
        if problem:
            return problem
        for key in FORM_ONLY:  # the recipe name typed (or not) beside the form's other button
            fields.pop(key, None)
        try:
            made = await run_in_threadpool(site.summary, fields)
        except PublishError as exc:
            return _refused(request, site, fields, exc)
        headers = {"Content-Disposition": f'attachment; filename="{made.filename}"',
                   "Cache-Control": "no-store",
                   "X-Publish-Pages": str(made.pages or ""),
                   "X-Publish-Made": "from memory (same inputs as before)" if made.cached else "rendered",
                   # The safety sections the selection did not name, so were added (UTF-8, percent-encoded).
                   "X-Publish-Added": quote("; ".join(made.added_titles), safe=" ;,:()'")}
        return Response(made.data, media_type=made.media_type, headers=headers)

    async def save_recipe(request: Request) -> Response:
        """POST /recipes: the form's selection as recipes/<name>.yaml, or 422/409 with the problems."""
        fields, problem = await _read_fields(request)
        if problem:
            return problem
        name = fields.pop("recipe_name", "")
        fields.pop("action", None)
        try:
            path = await run_in_threadpool(site.save_recipe, fields, name.strip())
        except PublishError as exc:
            return _refused(request, site, fields, exc, recipe_name=name)
        rel = path.relative_to(site.project.root).as_posix()
        if _wants_json(request):
            return JSONResponse({"recipe": rel}, status_code=201)
        return page("saved.html.j2", 201, recipe=rel, nav="form", title="Recipe saved")

    routes = [
        Route("/", home),
        Route("/topics/{topic}", topic_page),
        Route("/topics/{topic}/files/{file}", built_file),
        Route("/topics/{topic}/pages/{file}/{number:int}.png", page_image),
        Route("/events", events),
        Route("/summary", form, methods=["GET"]),
        Route("/summary", summary, methods=["POST"]),
        Route("/recipes", save_recipe, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static", follow_symlink=False), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={404: lambda r, e: not_found(), 405: _method_not_allowed})
    app.state.preview = preview
    app.state.site = site
    return Guard(app, token=token)


# -- helpers ------------------------------------------------------------------------------
def not_found() -> HTMLResponse:
    """The 404 page (the same for every unknown address: it says nothing of what exists)."""
    return page("not_found.html.j2", 404, nav="", title="Not found")


async def _method_not_allowed(request, exc):
    return PlainTextResponse("Method not allowed.", status_code=405)


def _fields(items) -> dict:
    """Form or query fields, named as `publish summary`'s options -> recipe fields. Values
    are only converted (lists, true/false), never judged: the library checks them."""
    fields: dict = {}
    for key, value in items:
        if key in FORM_ONLY:
            fields[key] = value
            continue
        name = FORM_FIELDS.get(key, key)
        if name in LISTS:
            if value:
                fields.setdefault(name, []).append(value)
        elif name == "large_print":
            low = value.strip().lower() if isinstance(value, str) else value
            fields[name] = True if low in TRUE else False if low in FALSE else value
        elif isinstance(value, str) and value == "" and name != "topic" and name != "audience":
            continue  # an empty choice is the default
        else:
            fields[name] = value
    return fields


async def _read_fields(request: Request):
    """The request's fields from a form (urlencoded or multipart) or a JSON object."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            data = await request.json()
            if not isinstance(data, dict):
                return None, PlainTextResponse("Send a JSON object of fields.", status_code=400)
            items = [(k, v) for k, value in data.items()
                     for v in (value if isinstance(value, list) else [value])]
            return _fields(items), None
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=0, max_fields=200)
            return _fields((k, v) for k, v in form.multi_items() if isinstance(v, str)), None
    except Exception:  # a body that is not what its type says
        return None, PlainTextResponse("The request body cannot be read as its Content-Type says.",
                                       status_code=400)
    return None, PlainTextResponse("Send the fields as a form (application/x-www-form-urlencoded) "
                                   "or as JSON (application/json).", status_code=415)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and FORMATS["html"].media_type not in accept


def _refused(request: Request, site: Site, fields: dict, exc: PublishError, **extra):
    """A request that cannot be met: 422 with every problem as the command line names it
    (code, what, hint), as JSON for machines or as the form with the problems on top."""
    status = 409 if any(f.code == "o-002" for f in exc.findings) else 422
    if _wants_json(request):
        return Response(report.format_json(readable(exc.findings, site.project.root),
                                           error=readable_text(str(exc), site.project.root)),
                        status_code=status, media_type="application/json")
    return form_page(site, fields, error=exc, status=status, **extra)


def form_page(site: Site, fields: dict, *, error: PublishError | None = None, status: int = 200,
              recipe_name: str = "") -> HTMLResponse:
    """The custom handout form for the fields given (topic, audience and the sections ticked),
    with the problems of a refused request on top when there are any."""
    from ..summary import summary_edition
    content = site.content()
    topics = content.topics
    topic_id = fields.get("topic") if fields.get("topic") in topics else next(iter(topics), None)
    audience = fields.get("audience") if fields.get("audience") in AUDIENCES else AUDIENCES[0]
    topic = topics.get(topic_id) if topic_id else None
    variant = None
    with contextlib.suppress(PublishError, StopIteration):
        variant = summary_edition(content.editions, audience=audience, fmt="pdf", large_print=False).variant
    languages = _languages(topic) if topic else []
    chosen = set(fields.get("sections") or ())
    # The sections' titles in the chosen language (GET /summary?lang=es, or a refused post's):
    # the words the file will show, each label marked with its language.
    lang = ""
    if topic and fields.get("lang"):
        from ..translations import find_language
        lang = find_language(topic, fields["lang"]) or ""
        lang = "" if lang == topic.language else lang
    tree = [_node(s, audience, variant, chosen, lang) for s in topic.sections] if topic else []
    tree = [n for n in tree if n]
    required = [n for n in _walk(tree) if n["required"]]
    return page("form.html.j2", status, content=content, topic=topic, audience=audience, tree=tree, root=site.project.root,
                required=required, fields=fields, error=error, formats=FORMATS, papers=PAPERS,
                audiences=AUDIENCES, clinics=content.clinics, default_clinic=DEFAULT_CLINIC,
                recipe_name=recipe_name, languages=languages, nav="form", title="Make a custom handout",
                label_lang=lang, label_language=_language_name(lang) if lang else "")


def _languages(topic) -> list[tuple[str, str]]:
    """(value, label) of the languages a topic can be made in: its own first (value "", the
    default), then each language it has translations into (the library checks, on
    submit, that every chosen section has one)."""
    from ..translations import languages
    found = languages(topic)
    return [("" if lang == topic.language else lang, _language_name(lang) + (" (the topic's own)"
             if lang == topic.language else "")) for lang in found]


def _language_name(lang: str) -> str:
    try:
        from babel import Locale
        return Locale.parse(lang.replace("-", "_")).get_display_name("en") or lang
    except (ValueError, LookupError, ImportError):
        return lang


def _node(section, audience: str, variant: str | None, chosen: set, lang: str = "") -> dict | None:
    """A section as a check box (with its subsections), if the audience reads it or a subsection.
    `lang`: a language the topic is translated into: the title is that translation's (with
    `lang` set, for the label's lang attribute), else the topic's own with `untranslated`."""
    children = [c for c in (_node(child, audience, variant, chosen, lang) for child in section.children) if c]
    mine = audience in section.audiences
    if not mine and not children:
        return None
    body = section.variants.get(variant, section.body) if variant else section.body
    texts = section.translations.get(lang, {}) if lang else {}
    translated = texts.get(variant) if variant and variant in section.variants else texts.get("")
    return {"id": section.id, "title": translated.title if translated else body.title,
            "lang": lang if translated else "", "untranslated": bool(lang) and translated is None,
            "selectable": mine, "required": audience in section.required_for,
            "checked": section.id in chosen, "children": children}


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def _version(path: Path) -> str:
    st = path.stat()
    return f"{st.st_mtime_ns:x}-{st.st_size:x}"


_pdfium = threading.Lock()  # pypdfium2 is not thread-safe


def page_count(path: Path) -> int | None:
    """The number of pages of a built PDF (None if PDFium cannot open it)."""
    return _page_count(path, _version(path))


def _with_pdf(path: Path, use):
    """`use(document)` on the PDF opened with PDFium, under the lock (pypdfium2 is not
    thread-safe); None when PDFium cannot open the file."""
    import pypdfium2
    with _pdfium:
        try:
            pdf = pypdfium2.PdfDocument(path.read_bytes())
        except (pypdfium2.PdfiumError, OSError):
            return None
        try:
            return use(pdf)
        finally:
            pdf.close()


@functools.lru_cache(maxsize=64)
def _page_count(path: Path, version: str) -> int | None:
    return _with_pdf(path, len)


@functools.lru_cache(maxsize=64)
def render_page(path: Path, number: int, version: str) -> bytes | None:
    """Page `number` (from 1) of a PDF as PNG bytes; `version` keys the cache on the file."""
    def png(pdf) -> bytes | None:
        if not 1 <= number <= len(pdf):
            return None
        out = io.BytesIO()
        pdf[number - 1].render(scale=PAGE_SCALE).to_pil().save(out, format="PNG", optimize=False)
        return out.getvalue()
    return _with_pdf(path, png)


def readable_text(text: str, root: Path) -> str:
    """A message with the project's folder left out of the paths it names."""
    return text.replace(f"{root}/", "").replace(f"{Path(root).resolve()}/", "")


def readable(findings: list, root: Path) -> list:
    """Findings with paths as an editor sees them: relative to the project folder (the
    server shows no folder of the machine it runs on)."""
    from dataclasses import replace
    return [replace(f, file=readable_text(f.file, root) if f.file else f.file,
                    message=readable_text(f.message, root)) for f in findings]


def now() -> dt.datetime:
    """The time now (for the templates)."""
    return dt.datetime.now()


_env.globals.update(now=now, Severity=Severity, readable=readable)
