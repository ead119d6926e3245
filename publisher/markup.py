"""Markdown text -> a safe HTML fragment, plus what it references and what is wrong with it.

Raw HTML is escaped, never passed through; headings are refused (a heading must be a
section, with an id and an audience); images must be inside the topic folder and carry alt
text; links may point at a section (`#id`), a web page, an e-mail address or a phone number.
Pure: no file is opened here, the caller says which image files exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

from .findings import Finding, finding
from .limits import MAX_LIST_ITEMS, MAX_MARKDOWN_DEPTH, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from .model import Image, SourceRef

_EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel"}
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")  # what every output format can show


def _accept_every_url(url: str) -> bool:
    # markdown-it silently leaves `[x](file:///etc/passwd)` as plain text; parse every
    # link so that our own checks below can name the bad ones.
    return True


def _parser(*, html: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html, "typographer": False}).enable("table")
    md.validateLink = _accept_every_url

    def th_open(self, tokens, idx, options, env):
        # Header cells in a Markdown table head their column (PDF /Scope, WCAG 1.3.1).
        tokens[idx].attrSet("scope", "col")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("th_open", th_open)
    return md


_MD = _parser()
# Only to find raw HTML and report it; rendering uses _MD, which escapes it.
_MD_FIND_HTML = _parser(html=True)


@dataclass
class Markup:
    html: str
    images: list[Image] = field(default_factory=list)
    section_links: list[tuple[str, SourceRef]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    image_refs: list[SourceRef] = field(default_factory=list)  # where each of `images` is used


def to_html(text: str, source: SourceRef, *, image_exists) -> Markup:
    """Convert one Markdown text. `source.line` is the file line of the text's first line;
    `image_exists(relative_path) -> bool` tells whether an image file is there."""
    tokens = _MD.parse(text)
    result = Markup(html="")
    first = source.line or 1
    current_line = first
    for token in tokens:
        if token.map:
            current_line = first + token.map[0]
        where = SourceRef(source.file, current_line)
        if token.type == "heading_open":
            result.findings.append(finding(
                "c-014", f"a heading ('{token.markup} ...') inside the text",
                source=where, hint="Make a subsection file in the section's folder instead."))
        line = current_line
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):  # a new line inside the paragraph
                line += 1
            at = SourceRef(source.file, line)
            if child.type == "image":
                _check_image(child, at, result, image_exists)
            elif child.type == "link_open":
                _check_link(child.attrGet("href") or "", at, result)
    result.findings += _raw_html(text, source)
    result.findings += over_limits(tokens, source)
    result.html = _MD.renderer.render(tokens, _MD.options, {})
    return result


_CONTAINERS = {"blockquote_open": 1, "bullet_list_open": 1, "ordered_list_open": 1,
               "blockquote_close": -1, "bullet_list_close": -1, "ordered_list_close": -1}


def over_limits(tokens, source: SourceRef) -> list[Finding]:
    """The limits of `limits` a parsed Markdown text passes: nesting (b-002; past it the
    parser would silently drop text), list items (b-003), table rows and columns (b-005).
    Each is reported once, at the line where it is passed."""
    found: list[Finding] = []
    first = source.line or 1
    at = lambda token: SourceRef(source.file, first + (token.map[0] if token.map else 0))  # noqa: E731
    depth = items = rows = columns = 0
    reported: set[str] = set()

    def over(key: str, token, code: str, message: str) -> None:
        if key not in reported:
            reported.add(key)
            found.append(finding(code, message, source=at(token)))

    for token in tokens:
        depth += _CONTAINERS.get(token.type, 0)
        if depth > MAX_MARKDOWN_DEPTH:
            over("depth", token, "b-002", f"lists or quotes nested too deeply (more than {MAX_MARKDOWN_DEPTH} levels)")
        if token.type == "list_item_open":
            items += 1
            if items > MAX_LIST_ITEMS:
                over("items", token, "b-003", f"more than {MAX_LIST_ITEMS:,} list items in one text")
        elif token.type == "table_open":
            rows = columns = 0
            table = token
        elif token.type == "tr_open":
            rows += 1
            if rows > MAX_TABLE_ROWS:
                over(f"rows{id(table)}", table, "b-005", f"the table has more than {MAX_TABLE_ROWS:,} rows")
        elif token.type == "th_open":
            columns += 1
            if columns > MAX_TABLE_COLUMNS:
                over(f"columns{id(table)}", table, "b-005",
                     f"the table has more than {MAX_TABLE_COLUMNS} columns")
    return found


def _raw_html(text: str, source: SourceRef) -> list[Finding]:
    """Raw HTML is shown as text, never used; say so, because the editor meant something else."""
    found = []
    first = source.line or 1
    hint = "Use Markdown instead: **bold**, *emphasis*, [text](https://...), ![alt](images/file.png)."
    for token in _MD_FIND_HTML.parse(text):
        line = first + (token.map[0] if token.map else 0)
        if token.type == "html_block":
            found.append(finding("c-014", f"raw HTML '{_shorten(token.content)}' in the text",
                                 source=SourceRef(source.file, line), hint=hint))
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline" and not child.content.startswith("</"):
                found.append(finding("c-014", f"raw HTML '{_shorten(child.content)}' in the text",
                                     source=SourceRef(source.file, line), hint=hint))
    return found


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_image(token, where: SourceRef, result: Markup, image_exists) -> None:
    src = token.attrGet("src") or ""
    alt = token.content.strip()
    parts = urlsplit(src)
    # markdown-it percent-encodes the address: decode it, so that '%2e%2e' is seen as '..'.
    rel = PurePosixPath(unquote(parts.path))
    if parts.scheme or parts.netloc or rel.is_absolute() or ".." in rel.parts or not src:
        result.findings.append(finding(
            "c-015", f"image '{unquote(src)}' is not a file inside the topic folder", source=where))
        return
    if rel.suffix.lower() not in IMAGE_TYPES:
        result.findings.append(finding(
            "c-006", f"image '{rel}' is not a picture file", source=where,
            hint=f"Use one of these file types: {', '.join(IMAGE_TYPES)}."))
        return
    if not alt:
        result.findings.append(finding(
            "c-006", f"image '{rel}' has no alt text", source=where,
            hint=f"Describe the picture between the brackets: ![what it shows]({rel})."))
    if not image_exists(str(rel)):
        result.findings.append(finding(
            "c-006", f"image '{rel}' does not exist", source=where,
            hint="Put the file in the topic folder, e.g. images/, and check the name."))
        return
    result.images.append(Image(path=rel, alt=alt))
    result.image_refs.append(where)


def _check_link(href: str, where: SourceRef, result: Markup) -> None:
    parts = urlsplit(href)
    if href.startswith("#"):
        result.section_links.append((href[1:], where))
    elif parts.scheme not in _EXTERNAL_SCHEMES:
        result.findings.append(finding(
            "c-015", f"link '{href}' is neither a section (#id) nor a web, mail or phone address",
            source=where, hint="Link to a section with #section-id, or to a full https:// address."))
