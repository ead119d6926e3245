"""Markdown text -> a safe HTML fragment, plus what it references and what is wrong with it.

Raw HTML is escaped, never passed through; headings are refused (a heading must be a
section, with an id and an audience); images must be inside the topic folder and carry alt
text; links may point at a section (`#id`), a web page, an e-mail address or a phone number.
Pure: no file is opened here, the caller says which image files exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Callable
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .findings import Finding, finding
from .limits import MAX_LINKS, MAX_LIST_ITEMS, MAX_MARKDOWN_DEPTH, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
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
        # Header cells in a Markdown table head their column (PDF /Scope, WCAG 1.3.1), unless
        # table_headers made them head their row.
        if not tokens[idx].attrGet("scope"):
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


def to_html(text: str, source: SourceRef, *, image_exists: Callable[[str], bool]) -> Markup:
    """Convert one Markdown text. `source.line` is the file line of the text's first line;
    `image_exists(relative_path) -> bool` tells whether an image file is there.
    A text over limits.MAX_LINKS is not parsed at all (b-007); of each kind of problem at
    most MAX_SAME_FINDINGS are listed, then how many more there are."""
    first = source.line or 1
    too_many = _too_many_links(text, source)
    if too_many:
        return Markup(html="", findings=too_many)
    tokens = _MD.parse(text)
    result = Markup(html="")
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
    result.findings += table_headers(tokens, source)
    result.findings = capped(result.findings)
    result.html = _MD.renderer.render(tokens, _MD.options, {})
    return result


MAX_SAME_FINDINGS = 10  # per code and text: a pasted page of bad links is one problem, not thousands


def capped(found: list[Finding]) -> list[Finding]:
    """The first MAX_SAME_FINDINGS findings of each code, then one that counts the rest."""
    kept: list[Finding] = []
    left_out: dict[str, list[Finding]] = {}
    for item in found:
        if sum(1 for k in kept if k.code == item.code) < MAX_SAME_FINDINGS:
            kept.append(item)
        else:
            left_out.setdefault(item.code, []).append(item)
    for code, rest in left_out.items():
        first = rest[0]
        kept.append(replace(first, message=f"{len(rest)} more problem(s) of this kind in the text from here on, "
                                            "not listed one by one"))
    return kept


def _too_many_links(text: str, source: SourceRef) -> list[Finding]:
    """[b-007] when `text` holds more than MAX_LINKS '[' (checked before parsing), else []."""
    if text.count("[") <= MAX_LINKS:
        return []
    at = -1
    for _ in range(MAX_LINKS + 1):
        at = text.index("[", at + 1)
    line = (source.line or 1) + text.count("\n", 0, at)
    return [finding("b-007", f"more than {MAX_LINKS:,} links or pictures ('[') in one text",
                    source=SourceRef(source.file, line))]


def _cell(tokens: list[Token], start: int, tag: str, scope: str | None = None) -> None:
    """Make the cell tokens[start:start + 3] (open, its text, close) a `tag` cell."""
    opening, closing = tokens[start], tokens[start + 2]
    opening.type, closing.type = f"{tag}_open", f"{tag}_close"
    opening.tag = closing.tag = tag
    opening.attrs.pop("scope", None)
    if scope:
        opening.attrSet("scope", scope)


def table_headers(tokens: list[Token], source: SourceRef) -> list[Finding]:
    """Header cells that say something (changes `tokens` in place), or findings.

    A table whose top-left header cell is empty is the usual layout of a schedule: times
    across the top, a name at the start of each row. The empty corner becomes a data
    cell (an empty header cell is announced as nothing and refused by Ace), and the first
    cell of each row becomes that row's header (scope="row"), so each value is announced
    with its row and its column. Any other empty header cell is c-025: its column has no
    heading to announce."""
    found: list[Finding] = []
    first = source.line or 1
    for index, token in enumerate(tokens):
        if token.type != "table_open":
            continue
        end = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close")
        head = [i for i in range(index, end) if tokens[i].type == "th_open"]
        empty = [n for n, i in enumerate(head) if not tokens[i + 1].content.strip()]
        where = SourceRef(source.file, first + (token.map[0] if token.map else 0))
        if empty and empty[0] == 0 and len(head) > 1:
            _cell(tokens, head[0], "td")
            row_starts = [i + 1 for i in range(head[-1], end) if tokens[i].type == "tr_open"]
            for start in row_starts:
                if tokens[start].type == "td_open" and tokens[start + 1].content.strip():
                    _cell(tokens, start, "th", scope="row")
            empty = empty[1:]
        for n in empty:
            found.append(finding("c-025", f"header cell {n + 1} of the table is empty", source=where,
                                 hint="Write the column's heading in the first row; only the top-left corner "
                                      "may be empty (the first column then heads the rows)."))
    return found


_CONTAINERS = {"blockquote_open": 1, "bullet_list_open": 1, "ordered_list_open": 1,
               "blockquote_close": -1, "bullet_list_close": -1, "ordered_list_close": -1}


def over_limits(tokens: list[Token], source: SourceRef) -> list[Finding]:
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
