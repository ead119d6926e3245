"""SelectedDocument -> RenderedEdition: HTML from the Jinja2 layouts.

Templates are looked up in layouts/<edition layout>/ first, then layouts/shared/. The
environment is strict (an undefined name is an error) and autoescapes everything; content
HTML comes from `markup`, which escapes raw HTML, and is the only thing marked safe.
"""
from __future__ import annotations

import base64
import os
import re
from html import unescape as html_unescape
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import jinja2
from markupsafe import Markup, escape

from . import i18n, translations
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
    footer_page_sep: str  # large print: what comes between the footer's last line and the page number
    paper_size: str
    paper: str  # "letter" or "a4" (the body's paper-<name> class)
    main_title: str  # the title the document shows: the topic's, or a custom summary's
    logo_src: str  # the clinic logo (data: URI, or its file in the EPUB); "" without a logo
    logo_indent: str  # printed title block: the logo's width and gap (CSS length), "" if unknown
    qr: QRCode | None  # printed editions: the QR code to the digital version, if base_url is set
    lang: str  # the output's language (BCP 47)
    dir: str  # its direction: "rtl" for a right-to-left language, else "ltr"
    edition_title: str  # the edition's title in the output's language
    parallel: object  # a bilingual edition: the second language (lang, dir, html), else None
    clinic_lang: str  # the clinic profile's language where it differs from the output's ("" if not)


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


def css_counters(text: str) -> Markup:
    """A translated 'Page {page} of {pages}' as CSS content: strings around page counters."""
    parts = re.split(r"\{(page|pages)\}", str(text))
    out = [css_string(p) if i % 2 == 0 else Markup(f"counter({p})") for i, p in enumerate(parts) if p or i % 2]
    return Markup(" ").join(out)


@lru_cache(maxsize=1)
def _bytecode_cache() -> jinja2.BytecodeCache:
    """Compiled templates, shared by every layout and kept between runs in Jinja's own
    per-user folder in the system's temporary directory (never in the project): a template
    is compiled again only when its source changes (the cache is keyed by its checksum).
    Only `environment` uses it: every environment made there has the same options."""
    return _AnyNameBytecodeCache()


class _AnyNameBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache keyed by the template file's name as bytes (os.fsencode): a project
    folder whose name is not UTF-8 (Linux names are bytes) must not stop the render."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        from hashlib import sha1
        return sha1(name.encode("utf-8", "surrogateescape")
                    + (b"|" + os.fsencode(filename) if filename is not None else b"")).hexdigest()


@lru_cache(maxsize=32)
def environment(layouts_dir: Path, layout: str, lang: str = "en-US") -> jinja2.Environment:
    """The templates of a layout, with the template words of `lang` (jinja2.ext.i18n and the
    message catalog in layouts/locales; see publisher/i18n.py). Made once per process and
    shared: Jinja recompiles a template whose file changed."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(layouts_dir / layout)),
        jinja2.FileSystemLoader(str(layouts_dir / "shared")),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             bytecode_cache=_bytecode_cache(),
                             trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(i18n.translations(layouts_dir, lang), newstyle=True)
    env.filters["css_string"] = css_string
    env.filters["css_counters"] = css_counters
    # Jinja marks translated words safe (markup); `plain` makes them text again, to be escaped
    # (a message with "&" in it, such as "Sources & References").
    env.filters["plain"] = lambda value: "".join([value])
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


def base_context(doc: SelectedDocument, clinic: Clinic, *, review_overdue: bool = False,
                 layouts_dir: Path = Path("layouts")) -> TemplateContext:
    """What every template gets. Dates a reader reads are in words in the output's language
    (`build.reviewed`); `build.reviewed_iso` is the machine-readable date (ISO 8601)."""
    topic = doc.topic
    lang = topic.language
    _ = i18n.gettext_for(layouts_dir, lang)
    reviewed = i18n.date_words(topic.reviewed, lang)
    next_review = i18n.date_words(topic.next_review, lang)
    custom = doc.title != topic.full_title
    main_title = doc.title if custom else topic.title
    draft = translations.is_draft(doc)
    clinic = replace(clinic, words_lang=translations.clinic_language(clinic, lang))
    if FORMATS[doc.edition.format].paged:  # only printed pages have a running footer (print.html.j2)
        footer_left, page_sep, deep_footer = _running_footer(
            doc, clinic, _, main_title=main_title, reviewed=reviewed, draft=draft,
            review_overdue=review_overdue, layouts_dir=layouts_dir)
    else:  # no footer to measure: fontTools stays unloaded
        footer_left, page_sep, deep_footer = "", " · ", False
    return TemplateContext(
        title=doc.title, subtitle="" if custom else topic.subtitle, main_title=main_title,
        topic=topic, edition=doc.edition, sections=doc.sections, refs=doc.references,
        clinic=clinic, build={"reviewed": reviewed, "next_review": next_review,
                              "reviewed_iso": topic.reviewed.isoformat(),
                              "next_review_iso": topic.next_review.isoformat(),
                              "review_overdue": review_overdue, "translation_draft": draft,
                              "deep_footer": deep_footer},
        footer_left=footer_left, footer_page_sep=page_sep,
        logo_src=_data_uri(clinic.logo_data, clinic.logo_media_type), qr=None,
        logo_indent=logo_indent(clinic, doc.edition.large_print),
        lang=lang, dir="rtl" if translations.is_rtl(lang) else "ltr", edition_title=doc.edition.title,
        clinic_lang=clinic.words_lang,
        parallel=_parallel(doc, clinic, review_overdue=review_overdue, layouts_dir=layouts_dir),
    )


def _running_footer(doc: SelectedDocument, clinic: Clinic, _, *, main_title: str, reviewed: str, draft: bool,
                    review_overdue: bool, layouts_dir: Path) -> tuple[str, str, bool]:
    """(the footer's left text, what separates its last line from the page number, whether
    the page needs the deeper bottom margin) of a printed edition: the title, then who to
    call, then the review date, in lines measured with the footer's font (css_string writes
    the line breaks as \\A; the margin box keeps them), so nothing wraps mid-phrase.
    `_`: gettext of the output's language."""
    reviewed_note = _("Reviewed %(date)s") % {"date": _nowrap(reviewed)}
    # A note is one phrase: it moves to the next line whole. (A bilingual edition's second
    # sheet has its own footer, in its language, with its own notes: _parallel.)
    notes = [_nowrap(n) for n in ([_("Review overdue")] if review_overdue else [])
             + ([_("Translation not yet reviewed")] if draft else [])]
    if doc.edition.large_print:
        # 18 pt, one box the width of the text: who to call, the review date, each note on a
        # line of its own, and the page number after the last line. Parts share a line (" · ")
        # only when they fit on it, so a separator never starts or ends a line (Spanish: the
        # clinic's name and phone take two lines on A4).
        width = large_print_footer_width(doc.paper)
        contact_lines = footer_lines([p for p in (clinic.name, _nowrap(clinic.phone)) if p], width, layouts_dir)
        lines = contact_lines + [reviewed_note, *notes]
        page_label = _("Page %(page)s of %(pages)s") % {"page": "00", "pages": "00"}
        page_sep = "\n" if text_width(f"{lines[-1]} · {page_label}", layouts_dir) > width else " · "
        # More than two lines (a note, or a clinic name and phone too long for one line) need
        # the deeper bottom margin (print.css, @page large-print-notes; base.html.j2).
        return "\n".join(lines), page_sep, len(lines) + (page_sep == "\n") > 2
    # 9 pt: the title and each note ("Translation not yet reviewed"), then who to call and the
    # review date, parts sharing a line (" · ") only where they fit the footer's box (the
    # large-print footer's rule): two lines where they fit, so the footer stands clear of the
    # paper's edge in the bottom margin (print.css).
    parts = [p for p in (clinic.name, _nowrap(clinic.phone)) if p] + [reviewed_note]
    width = footer_width(doc.edition.layout, doc.paper if doc.paper in PAPER_WIDTHS_PT else "letter")
    return "\n".join([*footer_lines([footer_title(main_title), *notes], width, layouts_dir, FOOTER_PT),
                      *footer_lines(parts, width, layouts_dir, FOOTER_PT)]), " · ", False


def _parallel(doc: SelectedDocument, clinic: Clinic, *, review_overdue: bool, layouts_dir: Path) -> dict | None:
    """A bilingual edition's second language: its tag and direction, and the running footer
    of its pages in that language (`footer_left`, `page_label`: its sheet is read in it);
    `html`, the part itself, is rendered by `render_edition`."""
    second = doc.parallel
    if second is None:
        return None
    lang = second.topic.language
    own = base_context(replace(second, parallel=None), translations.localize_clinic(clinic, lang), review_overdue=review_overdue, layouts_dir=layouts_dir)
    page_label = i18n.gettext_for(layouts_dir, lang)("Page %(page)s of %(pages)s") % {"page": "{page}",
                                                                                     "pages": "{pages}"}
    return {"lang": lang, "dir": "rtl" if translations.is_rtl(lang) else "ltr",
            "title": second.topic.title, "html": Markup(""), "footer_left": own["footer_left"], "page_label": page_label}


def _second_part(doc: SelectedDocument, *, clinic: Clinic, layouts_dir: Path, review_overdue: bool) -> Markup:
    """The body of a bilingual edition's second part: the same edition rendered in the second
    language (its own template words, dates and title block), with every id, #link and
    aria reference given the language as a prefix so the two parts' ids never clash."""
    second = replace(doc.parallel, parallel=None)
    part = render_edition(second, clinic=clinic, layouts_dir=layouts_dir, review_overdue=review_overdue,
                          web_fonts=False)  # the whole page's fonts cover this part's characters
    # a web page: the part's main text (one skip link, header, footer)
    return _body_fragment(part.html, second.topic.language.lower() + "-",
                          within=".//main" if doc.edition.format == "html" else None)


def _body_fragment(html: str, prefix: str, *, within: str | None = None, xml: bool = False) -> Markup:
    """The contents of a rendered document's <body> (or of the element `within` finds in it),
    with every id, #link and aria reference given `prefix`, so that it can stand in another
    document beside that document's own ids. `xml`: written as XML (an EPUB's XHTML)."""
    from lxml import etree
    from lxml import html as lxml_html
    body = lxml_html.document_fromstring(html).find("body")
    if within:
        body = body.find(within)
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id"):
            element.set("id", prefix + element.get("id"))
        for attr in ("aria-labelledby", "aria-describedby"):
            if element.get(attr):
                element.set(attr, " ".join(prefix + i for i in element.get(attr).split()))
        if (element.get("href") or "").startswith("#"):
            element.set("href", "#" + prefix + element.get("href")[1:])
    if xml:
        serialize = lambda child: etree.tostring(child, method="xml", encoding="unicode")  # noqa: E731
    else:
        serialize = lambda child: lxml_html.tostring(child, encoding="unicode")  # noqa: E731
    return Markup(escape(body.text or "")) + Markup("".join(serialize(child) for child in body))


#: The running footer holds one line of title: a longer title (a custom summary's --title)
#: is cut at a word with an ellipsis, so the clinic, phone and review line stays on the paper.
FOOTER_TITLE_CHARS = 80


def footer_title(title: str, limit: int = FOOTER_TITLE_CHARS) -> str:
    """`title` on one line of at most `limit` characters: cut at a word, with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:·-") + "…"


#: The large-print footer: 18 pt Atkinson Hyperlegible in a box the width of the text
#: (print.css, `@page large-print`: one-inch side margins), in pt.
LARGE_PRINT_FOOTER_PT = 18.0
LARGE_PRINT_SIDE_MARGINS_PT = 2 * 72.0
PAPER_WIDTHS_PT = {"letter": 8.5 * 72, "a4": 210 / 25.4 * 72}


def large_print_footer_width(paper: str) -> float:
    """The width (pt) of the large-print footer's box on `paper`, with a little to spare."""
    return (PAPER_WIDTHS_PT[paper] - LARGE_PRINT_SIDE_MARGINS_PT) * 0.97


#: The other printed editions' footer: 9 pt in the @bottom-left box, 78% of the text's width
#: (print.css `@page`), between side margins (in) that each layout's @page rule sets:
#: change both together.
FOOTER_PT = 9.0
FOOTER_SHARE = 0.78
SIDE_MARGINS_IN = {"patient-handout": {"letter": 0.42, "a4": 0.32},
                   "patient-handout-bilingual": {"letter": 0.42, "a4": 0.32},
                   "clinician-summary": {"letter": 0.6, "a4": 0.6}, "booklet": {"letter": 1.5, "a4": 1.5}}
DEFAULT_SIDE_MARGIN_IN = 0.75


def footer_width(layout: str, paper: str) -> float:
    """The width (pt) of the running footer's box of a printed layout on `paper`, with a
    little to spare."""
    margin = SIDE_MARGINS_IN.get(layout, {}).get(paper, DEFAULT_SIDE_MARGIN_IN) * 72
    return (PAPER_WIDTHS_PT[paper] - 2 * margin) * FOOTER_SHARE * 0.97


@lru_cache(maxsize=4)
def _advances(font_file: Path) -> tuple[dict[int, int], int, float]:
    """(code point -> advance width, the width of a missing glyph, units per em) of a font."""
    from fontTools.ttLib import TTFont
    with TTFont(font_file, lazy=True) as font:
        metrics = font["hmtx"].metrics
        glyphs = {code: metrics[name][0] for code, name in font.getBestCmap().items()}
        return glyphs, metrics[".notdef"][0], float(font["head"].unitsPerEm)


def _footer_font(layouts_dir: Path) -> Path:
    """The TTF the footers are set in: print.css's regular face (normal weight and style),
    as its @font-face names it (webfonts.faces), so the two cannot name different files."""
    css = Path(layouts_dir) / "styles" / "print.css"
    return Path(_regular_face(str(layouts_dir), css.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _regular_face(layouts_dir: str, css_mtime_ns: int) -> str:
    from .webfonts import faces
    found = [f["path"] for f in faces(Path(layouts_dir)) if f["weight"] == "normal" and f["style"] == "normal"]
    if not found:
        css = Path(layouts_dir) / "styles" / "print.css"
        raise TemplateError("print.css has no regular @font-face", code="t-001", source=SourceRef(shown_path(css)),
                            hint="Keep an @font-face with font-weight: normal and font-style: normal in print.css: "
                                 "the running footer is measured in that font.")
    return found[0]


def text_width(text: str, layouts_dir: Path, size: float = LARGE_PRINT_FOOTER_PT) -> float:
    """How wide (pt) `text` is set in the footer's typeface at `size`."""
    glyphs, missing, units = _advances(_footer_font(layouts_dir))
    return sum(glyphs.get(ord(c), missing) for c in text) * size / units


def footer_lines(parts: list[str], width: float, layouts_dir: Path, size: float = LARGE_PRINT_FOOTER_PT) -> list[str]:
    """`parts` set on lines of at most `width` pt at `size` pt: joined with " · " where they
    fit, a new line where they do not, so no line starts or ends with the separator; a part
    wider than a line is cut to fit it (`fit_line`), so the footer has as many lines as this
    returns."""
    lines: list[str] = []
    for part in parts:
        part = fit_line(part, width, layouts_dir, size)
        joined = f"{lines[-1]} · {part}" if lines else part
        if lines and text_width(joined, layouts_dir, size) <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return lines


def fit_line(text: str, width: float, layouts_dir: Path, size: float = LARGE_PRINT_FOOTER_PT) -> str:
    """`text` cut at a word (at a character for one long word), with "…", to fit one line of
    `width` pt: a running footer has room for a fixed number of lines, so a clinic's long name
    is shortened there (the title block shows it whole)."""
    if text_width(text, layouts_dir, size) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1 and text_width(" ".join(words) + "…", layouts_dir, size) > width:
        words.pop()
    cut = " ".join(words).rstrip(" ,;:·-")
    while cut and text_width(cut + "…", layouts_dir, size) > width:
        cut = cut[:-1]
    return cut + "…"


#: The printed logo's height (in) beside the clinic's name, and the gap after it (print.css
#: `.clinic-logo`, `.large-print .clinic-logo`: change both together).
LOGO_HEIGHT_IN = {False: 0.6, True: 0.9}
LOGO_GAP_IN = 0.15


def logo_proportion(data: bytes, media_type: str) -> float | None:
    """Width / height of a PNG or SVG logo, or None when its bytes do not say."""
    if media_type == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return width / height if width and height else None
    if media_type == "image/svg+xml":
        head = data[:4096].decode("utf-8", "replace")
        tag = re.search(r"<svg\b[^>]*>", head, re.S)
        if tag is None:
            return None
        box = re.search(r'viewBox\s*=\s*["\']\s*[-\d.eE+]+[\s,]+[-\d.eE+]+[\s,]+([\d.eE+]+)[\s,]+([\d.eE+]+)', tag[0])
        sizes = [re.search(rf'\b{name}\s*=\s*["\']\s*([\d.]+)\s*(?:px)?\s*["\']', tag[0]) for name in ("width", "height")]
        try:
            if all(sizes):
                width, height = float(sizes[0][1]), float(sizes[1][1])
            elif box:
                width, height = float(box[1]), float(box[2])
            else:
                return None
        except ValueError:
            return None
        return width / height if width > 0 and height > 0 else None
    return None


def logo_indent(clinic: Clinic, large_print: bool) -> str:
    """The margin that sets the clinic's name and contact lines beside the logo (its printed
    width and gap, CSS), or "" when the logo's proportions are unknown (lines then wrap under it)."""
    proportion = logo_proportion(clinic.logo_data, clinic.logo_media_type) if clinic.logo_data else None
    if proportion is None:
        return ""
    return f"{LOGO_HEIGHT_IN[bool(large_print)] * proportion + LOGO_GAP_IN:.3f}in"


def _nowrap(text: str) -> str:
    """No-break spaces, so a phone number is never split over two lines."""
    return text.replace(" ", "\u00a0")


def _data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}" if data else ""


def render_edition(doc: SelectedDocument, *, clinic: Clinic, layouts_dir: Path, block_ids: bool = False,
                   page_map: PageMap | None = None, digital_path: str | None = None,
                   review_overdue: bool = False, font_cache: Path | None = None,
                   web_fonts: bool = True) -> RenderedEdition:
    """Render the HTML of one output. EPUBs get one document per top-level section.

    `block_ids`: give every text block a stable id (a PDF whose pages an EPUB carries);
    `page_map`: put that PDF's page-break markers and page-list into the EPUB;
    `digital_path`: where the digital version of the topic (web page or EPUB) lands in the
    output folder; a printed edition links to it with a QR code when the clinic has a base_url;
    `review_overdue`: the topic is past its next-review date and is built anyway; every
    output then says so where the review dates are shown;
    `font_cache`: where a web page's font subsets are kept between builds (webfonts.py);
    `web_fonts=False`: a web page without its @font-face rules (a part of another page).
    """
    layouts_dir = Path(layouts_dir).resolve()
    env = environment(layouts_dir, doc.edition.layout, doc.topic.language)
    fmt = doc.edition.format
    css = read_css(layouts_dir, fmt)
    if doc.topic.source_language:  # an output in another language: the clinic's texts in it too
        clinic = translations.localize_clinic(clinic, doc.topic.language)
    context = base_context(doc, clinic, review_overdue=review_overdue, layouts_dir=layouts_dir)
    _ = i18n.gettext_for(layouts_dir, doc.topic.language)
    if doc.title == doc.topic.full_title:
        context["title"] = doc.topic.title if fmt != "epub" else doc.title
    if fmt == "epub":
        images = ()
        if clinic.logo_data:
            context["logo_src"] = f"images/clinic-logo{clinic.logo.suffix.lower()}"
            images = ((context["logo_src"], clinic.logo_data, clinic.logo_media_type),)
        # The book packs its stylesheets as one file, named after the format's own stylesheet.
        css_name = FORMATS[fmt].stylesheets[-1]
        second = None
        if doc.parallel is not None:  # a bilingual book: each part also in the second language
            other = replace(doc.parallel, parallel=None)
            lang2 = other.topic.language
            clinic2 = translations.localize_clinic(clinic, lang2)
            second = _SecondLanguage(
                env=environment(layouts_dir, doc.edition.layout, lang2), doc=other,
                context=dict(base_context(other, clinic2, review_overdue=review_overdue, layouts_dir=layouts_dir),
                             logo_src=context["logo_src"], parallel=None),
                gettext=i18n.gettext_for(layouts_dir, lang2))
        return RenderedEdition(doc=doc, parts=_render_epub_parts(env, doc, context, block_ids, page_map, css_name, _,
                                                                 second=second),
                               css=css, css_name=css_name, clinic=clinic, layouts_dir=layouts_dir, images=images,
                               page_source=page_map.source if page_map and page_map.starts else "")
    context["css"] = css if fmt == "html" else ""
    context["paper_size"] = PAPER_SIZES[doc.paper]
    context["paper"] = doc.paper  # the body's paper-<name> class: print.css sets measures per paper
    if doc.parallel is not None:
        context["parallel"] = dict(context["parallel"], html=_second_part(
            doc, clinic=clinic, layouts_dir=layouts_dir, review_overdue=review_overdue))
    if fmt == "pdf" and clinic.base_url and digital_path:
        url = digital_url(clinic.base_url, digital_path)
        what = (_("the web version of {title}") if format_of_path(digital_path) is FORMATS["html"]
                else _("the e-book version of {title}"))
        context["qr"] = make_qr(url, what=what.format(title=doc.topic.title),
                                alt=_("QR code: opens {what} at {url}"))
    html = _render(env, "document.html.j2", dict(context))
    if fmt == "html" and web_fonts:  # the PDFs' typeface, subset to the characters of this page (webfonts.py)
        context["css"] = web_font_css(layouts_dir, html, font_cache) + css
        html = _render(env, "document.html.j2", dict(context))
    if block_ids:
        html = add_block_ids(html)
    return RenderedEdition(doc=doc, html=html, css=css, clinic=clinic, layouts_dir=layouts_dir,
                           stylesheets=tuple(layouts_dir / s for s in FORMATS[fmt].stylesheets), block_ids=block_ids)


def chapter_name(index: int, section: SelectedSection) -> str:
    return f"s{index:02d}-{section.id}.xhtml"


def _toc_entry(section: SelectedSection, href: str, prefix: str = "", lang: str = "") -> dict:
    """A navigation entry for a section and its subsections; `prefix`, `lang`: a bilingual
    book's second-language section (ids with the language prefix, entries marked with it)."""
    return {"title": section.body.title, "href": f"{href}#{prefix}{section.id}", "lang": lang,
            "dir": "rtl" if lang and translations.is_rtl(lang) else "",
            "children": [_toc_entry(c, href, prefix, lang) for c in section.children]}


@dataclass(frozen=True)
class _SecondLanguage:
    """A bilingual EPUB's second language: its templates (with its words), its selection
    and its template context; each content document shows its part after the first's."""

    env: jinja2.Environment
    doc: SelectedDocument
    context: dict
    gettext: object

    @property
    def lang(self) -> str:
        return self.doc.topic.language

    def fragment(self, template: str, context: dict) -> Markup:
        """The body of `template` rendered in this language, its ids prefixed with it."""
        html = _render(self.env, template, dict(self.context, **context))
        return _body_fragment(html, self.lang.lower() + "-", xml=True)


def _numbered(sections: tuple[SelectedSection, ...]) -> tuple[SelectedSection, ...]:
    """Top-level sections with their number before the title ("3. What helps"): a bilingual
    book numbers both languages the same, so a reader finds section 3 in either."""
    return tuple(replace(s, body=replace(s.body, title=f"{n}. {s.body.title}")) for n, s in enumerate(sections, 1))


def _paired(first: tuple[SelectedSection, ...], second: tuple[SelectedSection, ...]) -> list:
    """The second language's section for each section of the first, by id (both are the same
    selection of the same topic; a section the second lacks is paired with None)."""
    by_id = {s.id: s for s in second}
    return [by_id.get(s.id) for s in first]


def _render_epub_parts(env, doc: SelectedDocument, context: TemplateContext, block_ids: bool = False,
                       page_map: PageMap | None = None, css_name: str = "", _=lambda text: text,
                       second: _SecondLanguage | None = None) -> tuple[Part, ...]:
    """The content documents of an EPUB. `second`: a bilingual book, where the title page,
    every section's document and the colophon show their text in the first language and then
    in the second (marked with its lang, xml:lang and dir), section by section."""
    context = dict(context, css_href=css_name, parallel_html="")
    sections = doc.sections
    if second is not None:
        second = replace(second, context=dict(second.context, css_href=css_name, parallel_html=""))
        sections = _numbered(sections)
        twins = _paired(sections, _numbered(second.doc.sections))
    parts = [Part("cover.xhtml", _("Cover"), _render(env, "cover.xhtml.j2", dict(
        context, title=_("Cover"), cover_href="images/cover.svg",
        cover_alt=_("Cover: {title}. {clinic}.").format(title=doc.title, clinic=context['clinic'].name))),
        kind="cover")]
    parts.append(Part("title.xhtml", context["main_title"], _render(env, "titlepage.xhtml.j2", dict(
        context, title=_("Title page"),
        parallel_html=second.fragment("titlepage.xhtml.j2", {"title": second.gettext("Title page")}) if second else "")),
        kind="titlepage"))
    for index, section in enumerate(sections, start=1):
        name = chapter_name(index, section)
        twin = twins[index - 1] if second is not None else None
        html = _render(env, "chapter.xhtml.j2", dict(
            context, title=section.body.title, chapter=section,
            parallel_html=second.fragment("chapter.xhtml.j2", {"title": twin.body.title, "chapter": twin})
            if twin is not None else ""))
        toc = (_toc_entry(section, name),)
        if twin is not None:
            toc += (_toc_entry(twin, name, second.lang.lower() + "-", second.lang),)
        parts.append(Part(name, section.body.title, html, toc=toc))
    if doc.references:
        refs_title = _("Sources & References")
        parts.append(Part("references.xhtml", refs_title, _render(
            env, "references.xhtml.j2", dict(context, title=refs_title)), kind="references",
            toc=({"title": refs_title, "href": "references.xhtml#references", "children": []},)))
    about = _("About this booklet")
    toc = ({"title": about, "href": "colophon.xhtml#colophon", "children": []},)
    if second is not None:
        about2 = second.gettext("About this booklet")
        toc += ({"title": about2, "href": f"colophon.xhtml#{second.lang.lower()}-colophon", "children": [],
                 "lang": second.lang, "dir": "rtl" if translations.is_rtl(second.lang) else ""},)
    parts.append(Part("colophon.xhtml", about, _render(env, "colophon.xhtml.j2", dict(
        context, title=about,
        parallel_html=second.fragment("colophon.xhtml.j2", {"title": about2}) if second else "")),
        kind="colophon", toc=toc))
    pages: list[dict] = []
    if block_ids or page_map:
        parts = [replace(p, html=add_block_ids(p.html)) for p in parts]
    if page_map and page_map.starts:
        marked = insert_page_breaks([(p.name, p.html) for p in parts], page_map)
        parts = [replace(p, html=marked[p.name].html) if p.name in marked else p for p in parts]
        pages = page_list(marked, [p.name for p in parts])
    nav = Part("nav.xhtml", _("Contents"), _render(env, "nav.xhtml.j2", dict(
        context, title=_("Contents"), page_list=pages,
        toc=[e for p in parts for e in p.toc],
        landmarks=_landmarks(parts, _))), kind="nav")
    parts.insert(2, nav)
    return tuple(_relink(parts))


def _landmarks(parts: list[Part], _=lambda text: text) -> list[dict]:
    marks = [{"type": "cover", "href": "cover.xhtml", "title": _("Cover")},
             {"type": "toc", "href": "nav.xhtml#toc", "title": _("Contents")}]
    first = next((p for p in parts if p.kind == "chapter"), None)
    if first:
        marks.append({"type": "bodymatter", "href": first.name, "title": _("Start of content")})
    if any(p.kind == "references" for p in parts):
        marks.append({"type": "bibliography", "href": "references.xhtml", "title": _("References")})
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


_TAG = re.compile(r"<[^>]*>")
_ITALIC = re.compile(r"<(em|i|cite|var|dfn)[\s>]")


def web_font_css(layouts_dir: Path, html: str, font_cache: Path | None = None) -> str:
    """@font-face rules for a web page: the bundled faces it uses (italics only where the
    page has them), subset to the characters of its text (kept in `font_cache`, if given)."""
    from .webfonts import font_face_css
    text = _TAG.sub(" ", html)
    return font_face_css(layouts_dir, text, italic=bool(_ITALIC.search(html)), cache_dir=font_cache)


def _audience_words(edition, _) -> str:
    """Who an edition is for, in words (editions.yaml `audience`)."""
    if edition is None:
        return ""
    return {"patient": _("for patients"), "clinician": _("for clinicians")}.get(edition.audience, _("for everyone"))

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_LANG = re.compile(r'<html[^>]*\slang="([^"]+)"')


def _topic_facts(folder: Path, topics: dict) -> tuple[str, str]:
    """(title, language) of a topic folder of the output: from the topic when it was read
    in this build, else from its web page (a topic built earlier), else its folder name."""
    topic = topics.get(folder.name)
    if topic is not None:
        return topic.title, topic.language
    for page in sorted(folder.glob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        title, lang = _TITLE.search(text), _LANG.search(text)
        if title:
            return html_unescape(" ".join(title[1].split())), lang[1] if lang else ""
    return folder.name, ""


def render_index(files, *, out_dir: Path, layouts_dir: Path, editions: dict | None = None,
                 topics: dict | None = None, font_cache: Path | None = None) -> str:
    """handouts/index.html: each topic by its title, and under it each built file by its
    edition in words (who it is for, language), format and size. `editions` and `topics`
    (by id, as read for the build) name them; a file neither names keeps its file name."""
    layouts_dir = Path(layouts_dir).resolve()
    env = environment(layouts_dir, "web")
    _ = i18n.gettext_for(layouts_dir, "en")
    editions, topics = editions or {}, topics or {}
    groups: dict[str, dict] = {}
    for path in files:
        folder = path.parent
        if folder.name not in groups:
            title, language = _topic_facts(folder, topics)
            groups[folder.name] = {"id": folder.name, "title": title, "language": language, "entries": []}
        group = groups[folder.name]
        size = path.stat().st_size
        lang = path.stem.rpartition(".")[2] if "." in path.stem else ""  # <topic>-<edition>.<lang>.<ext>
        lang = lang if translations.LANG_RE.match(lang) else ""
        stem = path.stem[:-len(lang) - 1] if lang else path.stem
        edition = editions.get(stem[len(folder.name) + 1:]) if stem.startswith(folder.name + "-") else None
        languages = [lang or group["language"]] + ([edition.bilingual] if getattr(edition, "bilingual", None) else [])
        names = [i18n.locale_of(code.split("-")[0]).get_display_name("en") for code in languages if code]
        words = [w for w in (_audience_words(edition, _), i18n.list_words(names, "en") if names else "") if w]
        group["entries"].append({
            "href": path.relative_to(out_dir).as_posix(), "title": edition.title if edition else path.name,
            "lang": lang, "words": ", ".join(words), "format": format_of_path(path).label,
            "size": f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes",
            # each edition's files together, in editions.yaml's order; the topic's own language first
            "order": (list(editions).index(edition.id) if edition else len(editions), stem, lang != "", lang)})
    for group in groups.values():
        group["entries"].sort(key=lambda entry: entry.pop("order"))
    context = {"topics": sorted(groups.values(), key=lambda g: g["title"].lower()),
               "css": read_css(layouts_dir, "html")}
    html = _render(env, "index.html.j2", dict(context))
    context["css"] = web_font_css(layouts_dir, html, font_cache) + context["css"]
    return _render(env, "index.html.j2", context)
