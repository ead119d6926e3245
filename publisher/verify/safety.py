"""Every patient-facing output carries the disclaimer and the crisis help (988)."""
from __future__ import annotations

from lxml import html as lxml_html

from ..findings import Finding, finding
from .text import output_blocks, words


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return True
    joined = " " + " ".join(haystack) + " "
    return " " + " ".join(needle) + " " in joined


def check_safety(doc, data: bytes, *, name: str, blocks=None, file=None) -> list[Finding]:
    """Find the text of each required safety section in the text a reader gets from the
    output (a PDF's tagged text: a footer artifact saying 988 does not count). `blocks`:
    that text, already read (by the readability check); `file`: the bytes already read
    (`Format.read`), whose blocks are taken; so the file is not parsed twice."""
    if doc.edition.audience != "patient":
        return []
    if blocks is None:
        blocks = file.blocks() if file is not None else output_blocks(doc.edition.format, data)
    text = words(" ".join(b.text for b in blocks))
    found = []
    if "988" not in text:
        found.append(finding("s-001", f"{name}: the 988 crisis line is not in the output"))
    # A bilingual output carries the safety sections in both of its languages.
    for part in [doc] + ([doc.parallel] if getattr(doc, "parallel", None) is not None else []):
        in_language = f" in '{part.topic.language}'" if part is not doc else ""
        for section in part.topic.all_sections():
            if "patient" not in section.required_for:
                continue
            body = section.variants.get(doc.edition.variant, section.body) if doc.edition.variant else section.body
            key = body.html or body.crisis_html
            snippet = words(lxml_html.fromstring(key).text_content())[:12] if key.strip() else []
            if not _contains(text, words(body.title)) or not _contains(text, snippet):
                found.append(finding("s-001", f"{name}: the required section '{section.id}' is missing{in_language}"))
    return found
