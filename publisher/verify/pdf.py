"""PDF bytes -> findings: every PDF/UA-1 condition of ../shared/STANDARDS.md section 2,
read with pikepdf (veraPDF cannot be installed here).

One finding per failed condition (per page or per element where that says where to look),
each with the p- code of the condition from findings.CATALOG.
"""
from __future__ import annotations

import re

import pikepdf

from ..findings import Finding, finding
from ..pdftree import kids as _kids, name_tree
from .pdfread import PdfFile, is_element, struct_elements  # noqa: F401 (struct_elements: for callers)

HEADINGS = {f"/H{n}": n for n in range(1, 7)}
LIST_KIDS = {"/L": {"/LI", "/L", "/Caption"}, "/LI": {"/Lbl", "/LBody"}}
LIST_PARENTS = {"/LI": {"/L"}, "/Lbl": {"/LI"}, "/LBody": {"/LI"}}
URL_LIKE = re.compile(r"^(#|[a-z][a-z0-9+.-]*:|www\.)", re.I)


def heading_sequence(source: pikepdf.Pdf | PdfFile) -> list[tuple[int, str]]:
    """(level, text) of every heading in the structure tree, in reading order; the text is
    read from the heading's marked content. `source`: a PdfFile, or an open pikepdf.Pdf."""
    read = source if isinstance(source, PdfFile) else PdfFile.of(source)
    return [(HEADINGS[str(el.S)], read.text(el)) for el in read.elements if str(el.S) in HEADINGS]


def _xmp(pdf: pikepdf.Pdf) -> str:
    meta = pdf.Root.get("/Metadata")
    return meta.read_bytes().decode("utf-8", "replace") if meta is not None else ""


def check(data: bytes, *, name: str, file: PdfFile | None = None) -> list[Finding]:
    """Every PDF/UA-1 condition of STANDARDS.md section 2, on the bytes of one PDF.
    `file`: those bytes already read (the build's one reading of the file)."""
    if file is None:
        with PdfFile(data) as opened:
            return check_file(opened, name=name)
    return check_file(file, name=name)


def check_file(file: PdfFile, *, name: str) -> list[Finding]:
    """Every PDF/UA-1 condition of STANDARDS.md section 2, on a PDF read once."""
    found: list[Finding] = []

    def add(code: str, message: str) -> None:
        found.append(finding(code, f"{name}: {message}"))

    check_catalog(file.pdf, add)
    if not file.has_tree:
        add("p-005", "no structure tree with a ParentTree (StructTreeRoot)")
        return found
    check_content(file, add)
    check_headings(file, add)
    check_figures(file, add)
    check_tables(file, add)
    check_lists(file, add)
    check_annotations(file, add)
    check_fonts(file.pdf, add)
    return found


def check_catalog(pdf: pikepdf.Pdf, add) -> None:
    root = pdf.Root
    mark = root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        add("p-001", "/MarkInfo /Marked is not true")
    if not str(root.get("/Lang", "")).strip():
        add("p-002", "the catalog has no /Lang (document language)")
    prefs = root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        add("p-003", "/ViewerPreferences /DisplayDocTitle is not true")
    xmp = _xmp(pdf)
    if not re.search(r"<dc:title>.*?\S.*?</dc:title>", xmp, re.S):
        add("p-003", "the XMP metadata has no dc:title")
    if not re.search(r"pdfuaid:part(>|=\")\s*1", xmp):
        add("p-004", "the XMP metadata has no pdfuaid:part 1")
    ident = pdf.trailer.get("/ID")
    if not (isinstance(ident, pikepdf.Array) and len(ident) == 2 and all(len(bytes(i)) for i in ident)):
        add("p-018", "the trailer has no /ID")


def check_content(tagged: PdfFile, add) -> None:
    """Every painting operator is in tagged content that a reachable element owns, or in an
    /Artifact; artifacts and tagged content do not nest in each other."""
    for index, (page, marks) in enumerate(zip(tagged.pages, tagged.marks), start=1):
        if marks.unmarked:
            ops = ", ".join(f"{op} ×{n}" for op, n in sorted(marks.unmarked.items()))
            add("p-011", f"page {index}: content outside tagged content or an /Artifact ({ops})")
        if marks.artifact_in_tagged or marks.tagged_in_artifact:
            add("p-011", f"page {index}: artifacts and tagged content are nested in each other")
        if not marks.mcids:
            continue
        key = page.obj.get("/StructParents")
        owners = tagged.parents.get(int(key)) if key is not None else None
        orphans = []
        for mcid in marks.mcids:
            owner = owners[mcid] if isinstance(owners, pikepdf.Array) and mcid < len(owners) else None
            if not (is_element(owner) and owner.objgen in tagged.reachable and _owns(owner, mcid)):
                orphans.append(mcid)
        if orphans:
            shown = ", ".join(map(str, orphans[:8])) + (" ..." if len(orphans) > 8 else "")
            add("p-011", f"page {index}: marked content {shown} belongs to no structure element "
                         "in the tree (untagged; page furniture must be an /Artifact)")


def _owns(element, mcid: int) -> bool:
    for kid in _kids(element):
        if isinstance(kid, int) and kid == mcid:
            return True
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR \
                and int(kid.get("/MCID", -1)) == mcid:
            return True
    return False


def check_headings(tagged: PdfFile, add) -> None:
    """Headings start at H1 and never skip a level going down."""
    previous = 0
    for level, text in heading_sequence(tagged):
        if previous == 0 and level != 1:
            add("p-006", f"the first heading is H{level} ('{text}'), not H1")
        elif previous and level > previous + 1:
            add("p-006", f"heading H{level} '{text}' follows an H{previous} (skips a level)")
        previous = level


def check_figures(tagged: PdfFile, add) -> None:
    for el in tagged.elements:
        if el.S == pikepdf.Name.Figure and not str(el.get("/Alt", "")).strip():
            page = tagged.page_of(el, None)
            where = f" on page {page + 1}" if page is not None else ""
            add("p-007", f"a Figure{where} has no /Alt text")


def _table_attr(cell, key: str):
    attrs = cell.get("/A")
    for attr in [attrs] if isinstance(attrs, pikepdf.Dictionary) else list(attrs or []):
        if isinstance(attr, pikepdf.Dictionary) and key in attr:
            return attr[key]
    return None


def _cells(table) -> list:
    out, stack = [], list(reversed(_kids(table)))
    while stack:
        node = stack.pop()
        if not is_element(node) or node.S == pikepdf.Name.Table:  # nested tables: their own check
            continue
        if node.S in (pikepdf.Name.TH, pikepdf.Name.TD):
            out.append(node)
        else:
            stack.extend(reversed(_kids(node)))
    return out


def check_tables(tagged: PdfFile, add) -> None:
    """Tables have TH cells, each with /Scope or named by TD /Headers that resolve through
    the /IDTree."""
    tree = tagged.pdf.Root.StructTreeRoot
    ids = name_tree(tree.IDTree) if "/IDTree" in tree else {}
    for number, table in enumerate((e for e in tagged.elements if e.S == pikepdf.Name.Table), start=1):
        cells = _cells(table)
        headers = [c for c in cells if c.S == pikepdf.Name.TH]
        if not headers:
            add("p-008", f"table {number} has no header cells (TH)")
            continue
        referenced = set()
        for cell in cells:
            if cell.S != pikepdf.Name.TD:
                continue
            for ref in _table_attr(cell, "/Headers") or []:
                target = ids.get(bytes(ref))
                if not (is_element(target) and target.S == pikepdf.Name.TH):
                    add("p-016", f"table {number}: a cell's /Headers '{bytes(ref).decode('latin-1')}' "
                                 "does not resolve to a TH through the /IDTree")
                else:
                    referenced.add(target.objgen)
        for th in headers:
            scope = _table_attr(th, "/Scope")
            if scope not in (pikepdf.Name.Row, pikepdf.Name.Column, pikepdf.Name.Both) \
                    and th.objgen not in referenced:
                add("p-008", f"table {number}: a header cell has no /Scope and no cell names it in /Headers")


def check_lists(tagged: PdfFile, add) -> None:
    """Lists are L > LI > (Lbl, LBody)."""
    for el in tagged.elements:
        tag = str(el.S)
        allowed = LIST_KIDS.get(tag)
        if allowed:
            wrong = sorted({str(k.S) for k in _kids(el) if is_element(k) and str(k.S) not in allowed})
            if wrong:
                add("p-014", f"a {tag[1:]} contains {', '.join(w[1:] for w in wrong)}")
        if tag in LIST_PARENTS:
            parent = el.get("/P")
            if not (is_element(parent) and str(parent.S) in LIST_PARENTS[tag]):
                add("p-014", f"a {tag[1:]} is not inside a {' or '.join(p[1:] for p in LIST_PARENTS[tag])}")


def _words(text: str, targets: set[str]) -> bool:
    """A description in words: not empty, not the target itself, not a URL or #fragment."""
    text = text.strip()
    return bool(text) and text not in targets and not URL_LIKE.match(text) and bool(re.search(r"\w", text))


def check_annotations(tagged: PdfFile, add) -> None:
    """Link annotations are tagged through an OBJR in a Link element and described in
    words; pages with annotations have /Tabs /S."""
    for index, page in enumerate(tagged.pages, start=1):
        annots = page.obj.get("/Annots")
        if not annots:
            continue
        if page.obj.get("/Tabs") != pikepdf.Name.S:
            add("p-015", f"page {index} has annotations but no /Tabs /S (structure order)")
        for annot in annots:
            subtype = annot.get("/Subtype")
            if subtype == pikepdf.Name.Popup:
                continue
            key = annot.get("/StructParent")
            owner = tagged.parents.get(int(key)) if key is not None else None
            tagged_ok = (is_element(owner) and owner.objgen in tagged.reachable and any(
                isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR
                and k.get("/Obj") is not None and k.Obj.objgen == annot.objgen for k in _kids(owner)))
            if subtype == pikepdf.Name.Link and tagged_ok and owner.S != pikepdf.Name.Link:
                tagged_ok = False
            if not tagged_ok:
                add("p-017", f"page {index}: a {str(subtype)[1:]} annotation is not tagged through an "
                             "OBJR in a Link element")
            if subtype != pikepdf.Name.Link:
                continue
            action = annot.get("/A")
            targets = {str(annot.get("/Dest", "")), "#" + str(annot.get("/Dest", ""))}
            if isinstance(action, pikepdf.Dictionary) and "/URI" in action:
                targets.add(str(action.URI))
            contents = str(annot.get("/Contents", ""))
            if not _words(contents, targets):
                shown = f"'{contents}'" if contents else "nothing"
                add("p-009", f"page {index}: a link's /Contents is {shown}, not words that describe it")


def check_fonts(pdf: pikepdf.Pdf, add) -> None:
    """Every font embedded, each with a ToUnicode map."""
    seen = set()
    for page in pdf.pages:
        fonts = (page.obj.get("/Resources") or pikepdf.Dictionary()).get("/Font") or pikepdf.Dictionary()
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
                add("p-010", f"font {font.get('/BaseFont')} is not embedded")
            if "/ToUnicode" not in font:
                add("p-010", f"font {font.get('/BaseFont')} has no ToUnicode map")
