"""SelectedDocument -> RenderedEdition: HTML from the Jinja2 layouts.

Templates are looked up in layouts/<edition layout>/ first, then layouts/shared/. The
environment is strict (an undefined name is an error) and autoescapes everything; content
HTML comes from `markup`, which escapes raw HTML, and is the only thing marked safe.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import jinja2
from markupsafe import Markup

from .clinic import Clinic
from .errors import TemplateError
from .findings import finding, shown_path
from .formats import FORMATS, format_of_path
from .model import PageMap, SelectedDocument, SelectedSection, SourceRef
from .pagenumbers.markers import add_block_ids, insert_page_breaks, page_list
from .qr import QRCode, digital_url, make_qr

PAPER_SIZES = {"letter": "letter", "a4": "A4"}


class TemplateContext(TypedDict, total=False):
    """Everything a template may use; nothing else is passed."""

    title: str
    subtitle: str
    topic: object
    edition: object
    sections: tuple
    refs: tuple
    clinic: Clinic
    build: dict
    css: str
    footer_left: str
    paper_size: str
    main_title: str  # the title the document shows: the topic's, or a custom summary's
    logo_src: str  # the clinic logo (data: URI, or its file in the EPUB); "" without a logo
    qr: QRCode | None  # printed editions: the QR code to the digital version, if base_url is set


@dataclass(frozen=True)
class Part:
    """One EPUB content document."""

    name: str
    title: str
    html: str
    kind: str = "chapter"  # cover | titlepage | nav | chapter | references | colophon
    toc: tuple = ()  # nested ({"title", "id", "children"}) entries for the navigation document


@dataclass(frozen=True)
class RenderedEdition:
    doc: SelectedDocument
    html: str = ""  # the whole document (pdf, html)
    parts: tuple[Part, ...] = ()  # the content documents (epub)
    css: str = ""
    css_name: str = ""  # EPUB: the stylesheet's file name inside the book
    clinic: Clinic | None = None
    layouts_dir: Path = Path("layouts")
    stylesheets: tuple[Path, ...] = field(default=())
    page_source: str = ""  # EPUB: the printed edition its page-break markers come from, if any
    images: tuple[tuple[str, bytes, str], ...] = ()  # (file name, data, media type) the EPUB packs
    block_ids: bool = False  # text blocks carry ids: the writer reports where each page starts


def css_string(value: str) -> Markup:
    """A Python string as a CSS string literal, safe inside a <style> element."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-_()'/·" else f"\\{ord(c):X} " for c in str(value))
    return Markup('"' + escaped + '"')


@lru_cache(maxsize=32)
def environment(layouts_dir: Path, layout: str) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(layouts_dir / layout)),
        jinja2.FileSystemLoader(str(layouts_dir / "shared")),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["css_string"] = css_string
    return env


def read_css(layouts_dir: Path, fmt: str) -> str:
    """The stylesheets of format `fmt` (its `Format.stylesheets`), one after the other."""
    return "\n".join((layouts_dir / name).read_text(encoding="utf-8") for name in FORMATS[fmt].stylesheets)


def _render(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render one template; any failure inside a template becomes a t-001 finding that
    names the template file and line (a layout is edited by people too)."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:  # also TemplateAssertionError (unknown filter)
        file, line = exc.filename or exc.name or name, exc.lineno
        message = (exc.message or str(exc)).rstrip(".")
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc)
        message = f"template '{exc.name}' is not in the layout folders"
    except Exception as exc:  # noqa: BLE001 - decided below: ours or the template's
        file, line = _template_frame(exc)
        if file is None:
            raise  # not raised inside a template: a bug in our code, keep the traceback
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    where = SourceRef(shown_path(file) if file else Path(name), line)
    raise TemplateError(f"template {where} failed: {message}",
                        [finding("t-001", f"{message} (while rendering '{name}')", source=where)]) from None


def _template_frame(exc: Exception) -> tuple[str | None, int | None]:
    """The innermost template file and line an exception went through, from its traceback
    (Jinja rewrites template frames to show the template's own file and line)."""
    tb = exc.__traceback__
    where: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def base_context(doc: SelectedDocument, clinic: Clinic, *, review_overdue: bool = False) -> TemplateContext:
    topic = doc.topic
    reviewed = topic.reviewed.isoformat()
    next_review = topic.next_review.isoformat()
    custom = doc.title != topic.full_title
    main_title = doc.title if custom else topic.title
    # The running footer: the title, then who to call, then the review date; line breaks
    # (css_string writes them as \A; the margin box keeps them) so nothing wraps mid-phrase.
    contact = " · ".join(p for p in (clinic.name, _nowrap(clinic.phone)) if p)
    if doc.edition.large_print:  # 18 pt: who to call on one line (it wraps at the dot if it must), then the date
        footer_left = "\n".join(p for p in (contact, f"Reviewed {reviewed}") if p)
    else:
        footer_left = "\n".join((main_title, " · ".join(p for p in (contact, f"Reviewed {reviewed}") if p)))
    return TemplateContext(
        title=doc.title, subtitle="" if custom else topic.subtitle, main_title=main_title,
        topic=topic, edition=doc.edition, sections=doc.sections, refs=doc.references,
        clinic=clinic, build={"reviewed": reviewed, "next_review": next_review,
                              "review_overdue": review_overdue},
        footer_left=footer_left + (" · Review overdue" if review_overdue else ""),
        logo_src=_data_uri(clinic.logo_data, clinic.logo_media_type), qr=None,
    )


def _nowrap(text: str) -> str:
    """No-break spaces, so a phone number is never split over two lines."""
    return text.replace(" ", "\u00a0")


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}" if data else ""


def render_edition(doc: SelectedDocument, *, clinic: Clinic, layouts_dir: Path, block_ids: bool = False,
                   page_map: PageMap | None = None, digital_path: str | None = None,
                   review_overdue: bool = False) -> RenderedEdition:
    """Render the HTML of one output. EPUBs get one document per top-level section.

    `block_ids`: give every text block a stable id (a PDF whose pages an EPUB carries);
    `page_map`: put that PDF's page-break markers and page-list into the EPUB;
    `digital_path`: where the digital version of the topic (web page or EPUB) lands in the
    output folder; a printed edition links to it with a QR code when the clinic has a base_url;
    `review_overdue`: the topic is past its next-review date and is built anyway; every
    output then says so where the review dates are shown.
    """
    layouts_dir = Path(layouts_dir).resolve()
    env = environment(layouts_dir, doc.edition.layout)
    fmt = doc.edition.format
    css = read_css(layouts_dir, fmt)
    context = base_context(doc, clinic, review_overdue=review_overdue)
    if doc.title == doc.topic.full_title:
        context["title"] = doc.topic.title if fmt != "epub" else doc.title
    if fmt == "epub":
        images = ()
        if clinic.logo_data:
            context["logo_src"] = f"images/clinic-logo{clinic.logo.suffix.lower()}"
            images = ((context["logo_src"], clinic.logo_data, clinic.logo_media_type),)
        # The book packs its stylesheets as one file, named after the format's own stylesheet.
        css_name = FORMATS[fmt].stylesheets[-1]
        return RenderedEdition(doc=doc, parts=_render_epub_parts(env, doc, context, block_ids, page_map, css_name),
                               css=css, css_name=css_name, clinic=clinic, layouts_dir=layouts_dir, images=images,
                               page_source=page_map.source if page_map and page_map.starts else "")
    context["css"] = css if fmt == "html" else ""
    context["paper_size"] = PAPER_SIZES[doc.paper]
    if fmt == "pdf" and clinic.base_url and digital_path:
        url = digital_url(clinic.base_url, digital_path)
        what = "the web version" if format_of_path(digital_path) is FORMATS["html"] else "the e-book version"
        context["qr"] = make_qr(url, what=f"{what} of {doc.topic.title}")
    html = _render(env, "document.html.j2", dict(context))
    if block_ids:
        html = add_block_ids(html)
    return RenderedEdition(doc=doc, html=html, css=css, clinic=clinic, layouts_dir=layouts_dir,
                           stylesheets=tuple(layouts_dir / s for s in FORMATS[fmt].stylesheets), block_ids=block_ids)


def chapter_name(index: int, section: SelectedSection) -> str:
    return f"s{index:02d}-{section.id}.xhtml"


def _toc_entry(section: SelectedSection, href: str) -> dict:
    return {"title": section.body.title, "href": f"{href}#{section.id}",
            "children": [_toc_entry(c, href) for c in section.children]}


def _render_epub_parts(env, doc: SelectedDocument, context: TemplateContext, block_ids: bool = False,
                       page_map: PageMap | None = None, css_name: str = "") -> tuple[Part, ...]:
    context = dict(context, css_href=css_name)
    parts = [Part("cover.xhtml", "Cover", _render(env, "cover.xhtml.j2", dict(
        context, title="Cover", cover_href="images/cover.svg",
        cover_alt=f"Cover: {doc.title}. {context['clinic'].name}.")), kind="cover")]
    parts.append(Part("title.xhtml", context["main_title"],
                      _render(env, "titlepage.xhtml.j2", dict(context, title="Title page")), kind="titlepage"))
    for index, section in enumerate(doc.sections, start=1):
        name = chapter_name(index, section)
        html = _render(env, "chapter.xhtml.j2", dict(context, title=section.body.title, chapter=section))
        parts.append(Part(name, section.body.title, html, toc=(_toc_entry(section, name),)))
    if doc.references:
        parts.append(Part("references.xhtml", "Sources & References", _render(
            env, "references.xhtml.j2", dict(context, title="Sources & References")), kind="references",
            toc=({"title": "Sources & References", "href": "references.xhtml#references", "children": []},)))
    parts.append(Part("colophon.xhtml", "About this booklet", _render(
        env, "colophon.xhtml.j2", dict(context, title="About this booklet")), kind="colophon",
        toc=({"title": "About this booklet", "href": "colophon.xhtml#colophon", "children": []},)))
    pages: list[dict] = []
    if block_ids or page_map:
        parts = [replace(p, html=add_block_ids(p.html)) for p in parts]
    if page_map and page_map.starts:
        marked = insert_page_breaks([(p.name, p.html) for p in parts], page_map)
        parts = [replace(p, html=marked[p.name].html) if p.name in marked else p for p in parts]
        pages = page_list(marked, [p.name for p in parts])
    nav = Part("nav.xhtml", "Contents", _render(env, "nav.xhtml.j2", dict(
        context, title="Contents", page_list=pages,
        toc=[e for p in parts for e in p.toc],
        landmarks=_landmarks(parts))), kind="nav")
    parts.insert(2, nav)
    return tuple(_relink(parts))


def _landmarks(parts: list[Part]) -> list[dict]:
    marks = [{"type": "cover", "href": "cover.xhtml", "title": "Cover"},
             {"type": "toc", "href": "nav.xhtml#toc", "title": "Contents"}]
    first = next((p for p in parts if p.kind == "chapter"), None)
    if first:
        marks.append({"type": "bodymatter", "href": first.name, "title": "Start of content"})
    if any(p.kind == "references" for p in parts):
        marks.append({"type": "bibliography", "href": "references.xhtml", "title": "References"})
    return marks


_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')


def _relink(parts: list[Part]) -> list[Part]:
    """Links to a section in another EPUB document must name that document."""
    owner = {i: p.name for p in parts for i in _ID.findall(p.html)}

    def fix(part: Part) -> Part:
        def sub(match):
            target = owner.get(match.group(1))
            if target is None or target == part.name:
                return match.group(0)
            return f'href="{target}#{match.group(1)}"'
        return Part(part.name, part.title, _HREF.sub(sub, part.html), part.kind, part.toc)

    return [fix(p) for p in parts]


def render_index(files, *, out_dir: Path, layouts_dir: Path) -> str:
    """handouts/index.html: every built file with its format and size."""
    layouts_dir = Path(layouts_dir).resolve()
    env = environment(layouts_dir, "web")
    entries = []
    for path in files:
        size = path.stat().st_size
        entries.append({"href": path.relative_to(out_dir).as_posix(), "name": path.name,
                        "topic": path.parent.name, "format": format_of_path(path).label,
                        "size": f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"})
    return _render(env, "index.html.j2", {"entries": entries, "css": read_css(layouts_dir, "html")})
