"""Markdown text -> a safe HTML fragment, plus what it references and what is wrong with it.

Raw HTML is escaped, never passed through; headings are refused (a heading must be a
section, with an id and an audience); images must be inside the topic folder and carry alt
text; links may point at a section (`#id`), a web page, an e-mail address or a phone number.
Pure: no file is opened here, the caller says which image files exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

from .findings import Finding, finding
from .model import Image, SourceRef

_EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel"}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")

    def th_open(self, tokens, idx, options, env):
        # Header cells in a Markdown table head their column (PDF /Scope, WCAG 1.3.1).
        tokens[idx].attrSet("scope", "col")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("th_open", th_open)
    return md


_MD = _parser()


@dataclass
class Markup:
    html: str
    images: list[Image] = field(default_factory=list)
    section_links: list[tuple[str, SourceRef]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


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
        if token.type in ("html_block", "html_inline"):
            result.findings.append(finding("c-014", "raw HTML in the text", source=where))
        for child in token.children or ():
            if child.type == "image":
                _check_image(child, where, result, image_exists)
            elif child.type == "link_open":
                _check_link(child.attrGet("href") or "", where, result)
    result.html = _MD.renderer.render(tokens, _MD.options, {})
    return result


def _check_image(token, where: SourceRef, result: Markup, image_exists) -> None:
    src = token.attrGet("src") or ""
    alt = token.content.strip()
    parts = urlsplit(src)
    rel = PurePosixPath(parts.path)
    if parts.scheme or parts.netloc or rel.is_absolute() or ".." in rel.parts or not src:
        result.findings.append(finding(
            "c-015", f"image '{src}' is not a file inside the topic folder", source=where))
        return
    if not alt:
        result.findings.append(finding(
            "c-006", f"image '{src}' has no alt text", source=where,
            hint="Describe the picture between the brackets: ![what it shows](" + src + ")."))
    if not image_exists(str(rel)):
        result.findings.append(finding(
            "c-006", f"image '{src}' does not exist", source=where,
            hint="Put the file in the topic folder, e.g. images/, and check the name."))
        return
    result.images.append(Image(path=rel, alt=alt))


def _check_link(href: str, where: SourceRef, result: Markup) -> None:
    parts = urlsplit(href)
    if href.startswith("#"):
        result.section_links.append((href[1:], where))
    elif parts.scheme not in _EXTERNAL_SCHEMES:
        result.findings.append(finding(
            "c-015", f"link '{href}' is neither a section (#id) nor a web, mail or phone address",
            source=where, hint="Link to a section with #section-id, or to a full https:// address."))
