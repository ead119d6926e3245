"""PDF bytes -> findings: the PDF/UA-1 conditions of ../shared/STANDARDS.md section 2,
read with pikepdf (veraPDF cannot be installed here)."""
from __future__ import annotations

import io
import re

import pikepdf

from ..findings import Finding, finding

HEADINGS = {f"/H{n}": n for n in range(1, 7)}


def struct_elements(pdf: pikepdf.Pdf):
    """Every structure element reachable from the root, in document (depth-first) order."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    stack = [root.get("/K")]
    seen = set()
    order = []

    def visit(node):
        if isinstance(node, pikepdf.Array):
            for item in node:
                visit(item)
            return
        if not isinstance(node, pikepdf.Dictionary):
            return
        if node.get("/Type") in ("/MCR", "/OBJR"):
            return
        key = node.objgen
        if key != (0, 0) and key in seen:
            return
        seen.add(key)
        if "/S" in node:
            order.append(node)
        kids = node.get("/K")
        if kids is not None:
            visit(kids)

    visit(stack[0])
    yield from order


def heading_sequence(pdf: pikepdf.Pdf) -> list[tuple[int, str]]:
    """(level, text) of every heading element in the structure tree, in order."""
    out = []
    for el in struct_elements(pdf):
        tag = str(el.get("/S"))
        if tag in HEADINGS:
            out.append((HEADINGS[tag], str(el.get("/T", "") or el.get("/ActualText", "") or "")))
    return out


def _xmp(pdf: pikepdf.Pdf) -> str:
    meta = pdf.Root.get("/Metadata")
    return meta.read_bytes().decode("utf-8", "replace") if meta is not None else ""


def check(data: bytes, *, name: str) -> list[Finding]:
    found: list[Finding] = []
    add = lambda code, message: found.append(finding(code, message, hint=None))  # noqa: E731
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        mark = root.get("/MarkInfo")
        if mark is None or not bool(mark.get("/Marked", False)):
            add("p-001", f"{name}: /MarkInfo /Marked is not true")
        if not str(root.get("/Lang", "")).strip():
            add("p-002", f"{name}: the catalog has no /Lang")
        prefs = root.get("/ViewerPreferences")
        if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
            add("p-003", f"{name}: /DisplayDocTitle is not true")
        xmp = _xmp(pdf)
        if not re.search(r"<dc:title>.*?\S.*?</dc:title>", xmp, re.S):
            add("p-003", f"{name}: the XMP metadata has no dc:title")
        if not re.search(r"pdfuaid:part(>|=\")\s*1", xmp):
            add("p-004", f"{name}: the XMP metadata has no pdfuaid:part 1")
        tree = root.get("/StructTreeRoot")
        if tree is None or "/ParentTree" not in tree:
            add("p-005", f"{name}: no structure tree with a ParentTree")
            return [_named(f, name) for f in found]
        found += check_headings(pdf, name)
        for el in struct_elements(pdf):
            if str(el.get("/S")) == "/Figure" and not str(el.get("/Alt", "")).strip():
                add("p-007", f"{name}: a Figure has no /Alt text")
        found += check_fonts(pdf, name)
    return found


def _named(f: Finding, name: str) -> Finding:
    return f


def check_headings(pdf, name) -> list[Finding]:
    found = []
    previous = 0
    for level, _ in heading_sequence(pdf):
        if previous == 0 and level != 1:
            found.append(finding("p-006", f"{name}: the first heading is H{level}, not H1"))
        elif level > previous + 1 and previous:
            found.append(finding("p-006", f"{name}: heading H{level} follows H{previous} (skips a level)"))
        previous = level
    return found


def check_fonts(pdf, name) -> list[Finding]:
    found = []
    seen = set()
    for page in pdf.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for key in fonts.keys():
            font = fonts[key]
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants is not None else font
            descriptor = target.get("/FontDescriptor")
            embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            if not embedded:
                found.append(finding("p-010", f"{name}: font {font.get('/BaseFont')} is not embedded"))
            if "/ToUnicode" not in font:
                found.append(finding("p-010", f"{name}: font {font.get('/BaseFont')} has no ToUnicode map"))
    return found
