"""HTML bytes -> findings: our own structure checks (axe runs in `publish check`)."""
from __future__ import annotations

from lxml import html as lxml_html

from ..findings import Finding, finding


def check(data: bytes, *, name: str, file=None) -> list[Finding]:
    """Our own structure checks on the bytes (`file`, the bytes read for the other checks, is not needed)."""
    found = []
    add = lambda message: found.append(finding("h-001", f"{name}: {message}"))  # noqa: E731
    root = lxml_html.fromstring(data)
    if not root.get("lang"):
        add("<html> has no lang")
    if not (root.findtext(".//title") or "").strip():
        add("no <title>")
    if root.find(".//main") is None:
        add("no <main> landmark")
    for img in root.iter("img"):
        if img.get("alt") is None:
            add("an image has no alt text")
    seen: set[str] = set()
    for element in root.iter():
        value = element.get("id") if isinstance(element.tag, str) else None
        if value is not None and value in seen:  # a link or a page marker to it would land on the first
            add(f"id '{value}' is used twice")
        seen.add(value)
    levels = [int(h.tag[1]) for h in root.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    for upper, lower in zip(levels, levels[1:]):
        if lower > upper + 1:
            add(f"heading h{lower} follows h{upper} (skips a level)")
            break
    return found
