"""A laid-out WeasyPrint document -> PDF/UA-1 bytes that meet ../shared/STANDARDS.md section 2.

WeasyPrint 70 writes a good structure tree but leaves gaps (STANDARDS.md section 3). Two
steps close them:

1. While WeasyPrint builds its tree, a recorder notes the HTML facts the PDF loses: which
   struct element came from which element's `lang`, `<th scope>`, link words, decorative
   image (`alt=""`), and which marked content belongs to an @page margin box. This wraps
   WeasyPrint's private `pdf.tags._build_box_tree`, so the module is pinned to the exact
   WeasyPrint version below and refuses to load with any other.
2. A pikepdf pass on the written bytes then repairs the file with those facts:
   margin boxes (running footer, page numbers) become /Artifact /Pagination marked content,
   decorative images /Artifact /Layout; inner `lang` becomes /Lang; TH cells get /Scope,
   TD /Headers are recomputed from the scopes and resolve through an /IDTree; link
   annotations get the link's words as /Contents; pages with annotations get /Tabs /S;
   the trailer /ID is kept (first element: the caller's identifier) and made reproducible.
   One HTML element that a page or column break cuts in pieces is one struct element again
   (WeasyPrint writes one per fragment, gap 10): a table over three pages is one Table with
   one THead (the header rows it repeats on later pages become /Artifact /Pagination) and
   one TBody; a paragraph, list or list item likewise.
3. The repaired document is saved once, compressed by qpdf (WeasyPrint writes uncompressed:
   see `written_pdf`), and handed on still open, so that the checks read it without parsing
   the bytes again.
"""
from __future__ import annotations

import inspect
import io
import logging
import re
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name, String
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as _tags

from ..pdftree import kids as kid_list, struct_kids

# The recorder depends on the private signature and behaviour of this exact release
# (margin boxes built but not linked into the tree: Kozea/WeasyPrint#1836). Re-check
# every gap in STANDARDS.md section 3 before moving this pin.
WEASYPRINT_PIN = "70.0"
_EXPECTED_PARAMETERS = ["box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]
_MISSING_ALT_MESSAGE = 'Image "%s" has no required alt description'

if weasyprint.__version__ != WEASYPRINT_PIN:
    raise RuntimeError(
        f"publisher.writers.pdfua needs WeasyPrint {WEASYPRINT_PIN} exactly (it wraps a private "
        f"function of that release), found {weasyprint.__version__}: pin weasyprint=={WEASYPRINT_PIN} "
        "or re-check the PDF/UA repairs against the new release")
if list(inspect.signature(_tags._build_box_tree).parameters) != _EXPECTED_PARAMETERS:
    raise RuntimeError("weasyprint.pdf.tags._build_box_tree changed its signature; "
                       "publisher.writers.pdfua must be re-checked")

PDF_VARIANT = "pdf/ua-1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DECORATIVE_ROLES = {"presentation", "none"}
# HTML sectioning elements WeasyPrint 70 writes as NonStruct (gap 6). A callout in an
# <aside> must still be announced as a section with its heading.
RETAG = {"aside": "/Sect", "nav": "/Sect", "header": "/Div", "footer": "/Div"}


@dataclass
class Facts:
    """What the HTML says about the PDF's struct elements, keyed by PDF object number."""

    langs: dict[int, str] = field(default_factory=dict)
    scopes: dict[int, str] = field(default_factory=dict)  # TH -> HTML scope attribute
    link_names: dict[int, str] = field(default_factory=dict)  # Link element -> its words
    decorative: set[int] = field(default_factory=set)  # Figure elements of decorative images
    margins: dict[tuple[int, int], str] = field(default_factory=dict)  # (page, MCID) -> @keyword
    # Struct element -> (the HTML element, its box's element_tag): the fragments of one
    # element (one per page or column it runs over) share it; `li::marker` and `li` do not.
    origins: dict[int, tuple[object, str]] = field(default_factory=dict)


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _text_with_alts(node) -> str:
    """An element's text, with the alt text of the images in it."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str):  # comments and processing instructions have no text
            parts.append(child.get("alt") or "" if child.tag == "img" else _text_with_alts(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _accessible_name(link) -> str:
    """A link's name as a screen reader gives it: aria-label, else its words, else title."""
    return (_words(link.get("aria-label")) or _words(_text_with_alts(link))
            or _words(link.get("title")))


def _is_decorative(element) -> bool:
    if element.get("aria-hidden") == "true" or element.get("role") in DECORATIVE_ROLES:
        return True
    return element.tag == "img" and element.get("alt") == ""


class _DropMissingAlt(logging.Filter):
    """WeasyPrint logs alt="" as a missing alt (an ERROR); for a decorative image it is not."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != _MISSING_ALT_MESSAGE


#: One recording at a time per process. The recorder swaps a function of WeasyPrint's module:
#: two renders in threads (`publish serve`) would otherwise each restore the other's wrapper
#: and leave it installed for good.
RECORDING_LOCK = threading.RLock()


@contextmanager
def recording() -> Iterator[Facts]:
    """Record HTML facts while WeasyPrint builds its structure tree (inside write_pdf).
    Holds RECORDING_LOCK throughout: a render in another thread waits."""
    with RECORDING_LOCK:
        yield from _recording()


def _recording() -> Iterator[Facts]:
    facts = Facts()
    original = _tags._build_box_tree
    logger = logging.getLogger("weasyprint")

    owners: dict[int, object] = {}  # struct element number -> the HTML element it came from

    def build(box, parent, pdf, page_number, nums, annotations, tags):
        real = box._box if isinstance(box, AbsolutePlaceholder) else box
        if isinstance(real, boxes.MarginBox):
            before = set(nums)
            yield from original(box, parent, pdf, page_number, nums, annotations, tags)
            for mcid in set(nums) - before:
                facts.margins[(page_number, mcid)] = real.at_keyword
            return
        element = real.element
        passthrough = (element is None or isinstance(real, boxes.PageBox)
                       or real.element_tag in ("html", "body"))
        decorative = (not passthrough and isinstance(real, boxes.ReplacedBox)
                      and _is_decorative(element))
        drop = _DropMissingAlt()
        if decorative:
            logger.addFilter(drop)
        try:
            for struct in original(box, parent, pdf, page_number, nums, annotations, tags):
                if not passthrough:
                    # An anonymous box (WeasyPrint copies its parent's element into it) adds
                    # nothing the parent's element does not already say.
                    anonymous = owners.get(getattr(parent, "number", None)) is element
                    owners[struct.number] = element
                    facts.origins[struct.number] = (element, real.element_tag)
                    if not anonymous:
                        _note(facts, struct, element, decorative)
                yield struct
        finally:
            if decorative:
                logger.removeFilter(drop)

    _tags._build_box_tree = build
    try:
        yield facts
    finally:
        _tags._build_box_tree = original


def _note(facts: Facts, struct, element, decorative: bool) -> None:
    number = struct.number
    kind = str(struct["S"])
    if kind == "/NonStruct" and element.tag in RETAG:
        # The element's subtree is built (children come before the yield), so WeasyPrint's
        # own checks on parent tags are not affected by the new tag.
        kind = struct["S"] = RETAG[element.tag]
    lang = element.get("lang") or element.get(XML_LANG)
    if lang:  # <html>'s own lang is the catalog /Lang (html and body boxes pass through)
        facts.langs[number] = lang
    if kind == "/TH" and element.get("scope"):
        facts.scopes[number] = element.get("scope").lower()
    if kind == "/Link":
        facts.link_names[number] = _accessible_name(element)
    if kind == "/Figure" and decorative:
        facts.decorative.add(number)


def write_pdf(document, *, identifier: bytes, **options) -> bytes:
    """Write `document` (a rendered weasyprint.Document) as repaired PDF/UA-1 bytes."""
    data, pdf = written_pdf(document, identifier=identifier, **options)
    pdf.close()
    return data


def written_pdf(document, *, identifier: bytes, **options) -> tuple[bytes, pikepdf.Pdf]:
    """(repaired PDF/UA-1 bytes, the repaired document still open) of `document`: the
    caller's checks read the open document (what was saved) instead of parsing the bytes
    again. The caller closes it (`with`, or pikepdf.Pdf.close)."""
    with recording() as facts:
        # Uncompressed: qpdf compresses every stream and packs the objects into object
        # streams once, when the repaired file is saved (_save). WeasyPrint's own compression
        # (pydyf, in Python) took a third of its writing time, and the repair had to inflate
        # the content streams again to mark artifacts (a 16-page booklet: 165 -> 113 ms to
        # write and repair, 66.1 -> 67.4 KB).
        data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=identifier, uncompressed_pdf=True,
                                  **options)
    pdf = pikepdf.open(io.BytesIO(data))
    try:
        _repair(pdf, facts)
        return _save(pdf), pdf
    except BaseException:
        pdf.close()
        raise


# --- the pikepdf pass -----------------------------------------------------------------

ARTIFACT_PAGINATION = "/Pagination"
ARTIFACT_LAYOUT = "/Layout"
_MARK = re.compile(rb"/[A-Za-z]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _margin_subtype(keyword: str) -> str | None:
    if keyword.startswith("@top"):
        return "/Header"
    if keyword.startswith("@bottom"):
        return "/Footer"
    return None  # side boxes: pagination without a header/footer subtype


def _reachable(root) -> dict[tuple[int, int], pikepdf.Dictionary]:
    """Struct elements reachable from the StructTreeRoot, by objgen, in document order."""
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    stack = [root.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node and node.objgen not in found:
            found[node.objgen] = node
            kids = node.get("/K")
            if kids is not None:
                stack.append(kids)
    return found


def _parent_tree(tree) -> dict[int, object]:
    nums = tree.ParentTree.get("/Nums")
    if nums is None:  # WeasyPrint writes one flat /Nums array; anything else is unexpected
        raise RuntimeError("PDF/UA repair: the ParentTree has no flat /Nums array")
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    # deterministic_id: keep the caller's first /ID element, derive the second from the
    # content, so the same content gives the same bytes (qpdf would add a random one).
    # compress_streams and object streams: the compression WeasyPrint was asked to skip.
    pdf.save(out, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _repair(pdf: pikepdf.Pdf, facts: Facts) -> None:
    """Repair an open PDF in place with the recorded `facts` (step 2 of the module docstring)."""
    tree = pdf.Root.StructTreeRoot
    parents = _parent_tree(tree)
    if facts.decorative:  # decorative images leave the tree before fragments are joined
        _remove_decorative(facts, _reachable(tree))
    repeated = _join_fragments(pdf, tree, parents, facts)
    reachable = _reachable(tree)
    for index, page in enumerate(pdf.pages):
        _mark_artifacts(pdf, page, index, parents.get(int(page.obj.get("/StructParents", -1))),
                        reachable, facts, repeated.get(index, set()))
    for objgen, element in reachable.items():
        lang = facts.langs.get(objgen[0])
        if lang:
            element.Lang = String(lang)
    for element in list(reachable.values()):
        if element.S == Name.Table:
            _repair_table(element, facts)
        elif element.S == Name.LI:
            _repair_list_item(pdf, element)
    _write_id_tree(pdf, tree, reachable)
    _repair_links(pdf, parents, facts)


def _repair_list_item(pdf, item) -> None:
    """LI > (Lbl, LBody): WeasyPrint puts the paragraphs of a loose list item (`<li><p>`)
    straight under LI; gather every kid that is not the label into one LBody."""
    kids = item.get("/K")
    if not isinstance(kids, pikepdf.Array):
        return
    stray = [k for k in kids if not (isinstance(k, pikepdf.Dictionary) and k.get("/S") in (Name.Lbl, Name.LBody))]
    if not stray or not all(isinstance(k, pikepdf.Dictionary) and "/S" in k for k in stray):
        return  # marked content straight under LI would need the parent tree changed too
    body = pdf.make_indirect(pikepdf.Dictionary(Type=Name.StructElem, S=Name.LBody, P=item,
                                                K=pikepdf.Array(stray)))
    for kid in stray:
        kid.P = body
    kept = [k for k in kids if not any(k.objgen == s.objgen for s in stray)]
    item.K = pikepdf.Array(kept + [body])


def _remove_decorative(facts: Facts, reachable) -> bool:
    """Take decorative images out of the tree (their content becomes /Artifact /Layout)."""
    found = [element for objgen, element in reachable.items() if objgen[0] in facts.decorative]
    for element in found:
        _detach(element)
    return bool(found)


def _detach(element) -> None:
    parent = element.get("/P")
    if parent is None or "/K" not in parent:
        return
    kids = parent.K
    if isinstance(kids, pikepdf.Array):
        keep = [k for k in kids if not (isinstance(k, pikepdf.Dictionary) and k.objgen == element.objgen)]
        parent.K = Array(keep)
        empty = not keep
    else:
        empty = True
        del parent["/K"]
    # A wrapper left with nothing (e.g. the anonymous block around the image) goes too.
    if empty and parent.get("/S") not in (Name.Document, None) and "/Type" in parent \
            and parent.Type == Name.StructElem:
        _detach(parent)


def _mark_artifacts(pdf, page, index: int, mcid_parents, reachable, facts: Facts,
                    repeated: set[int] = frozenset()) -> None:
    """Marked content of margin boxes (built by WeasyPrint but never linked into the tree),
    of decorative images and of repeated table headers (`repeated`: their MCIDs on this
    page) becomes an artifact; its ParentTree slot is emptied. Any other content outside
    the tree is left alone, for the PDF check to report."""
    if mcid_parents is None:
        return
    artifacts: dict[int, Dictionary] = {}
    for mcid, parent in enumerate(mcid_parents):
        if not isinstance(parent, pikepdf.Dictionary):
            continue
        if mcid in repeated:
            artifacts[mcid] = Dictionary(Type=Name(ARTIFACT_PAGINATION))
        elif parent.objgen[0] in facts.decorative:
            artifacts[mcid] = Dictionary(Type=Name(ARTIFACT_LAYOUT))
        elif (index, mcid) in facts.margins and parent.objgen not in reachable:
            props = Dictionary(Type=Name(ARTIFACT_PAGINATION))
            subtype = _margin_subtype(facts.margins[(index, mcid)])
            if subtype:
                props.Subtype = Name(subtype)
            artifacts[mcid] = props
    if not artifacts:
        return
    # pydyf writes each mark as `/Tag <</MCID n>> BDC`; a byte-level rewrite is several
    # times faster than parsing and unparsing the whole stream, and is checked by count.
    contents = page.obj.Contents
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    data = b"\n".join(stream.read_bytes() for stream in streams)
    replaced = set()

    def swap(match: re.Match) -> bytes:
        mcid = int(match[1])
        if mcid not in artifacts:
            return match[0]
        replaced.add(mcid)
        return b"/Artifact " + artifacts[mcid].unparse() + b" BDC"

    data = _MARK.sub(swap, data)
    if replaced != set(artifacts):
        raise RuntimeError(f"PDF/UA repair: page {index + 1}: marked content "
                           f"{sorted(set(artifacts) - replaced)} not found in the content stream")
    page.obj.Contents = pdf.make_stream(data)
    for mcid in artifacts:
        mcid_parents[mcid] = None


# --- fragments of one element ----------------------------------------------------------

REPEATED_GROUPS = (Name.THead, Name.TFoot)


def _join_fragments(pdf, tree, parents, facts: Facts) -> dict[int, set[int]]:
    """Join the struct elements WeasyPrint writes for the fragments of one HTML element.

    A box cut by a page or column break is laid out as one box per fragment, and each
    becomes a struct element of its own, under its parent's fragment of the same page:
    the Document holds one Part (<main>) per page, each Sect one P per fragment of a
    paragraph. Walking from the root, adjacent siblings that come from the same element
    (same HTML element, same box kind, same structure type) are merged into the first;
    their kids then meet in one list and are joined in turn. In a Table, the header rows
    WeasyPrint repeats on each later page (a second THead from the same <thead>) are taken
    out of the tree and returned, (page index -> MCIDs), to become /Artifact /Pagination.
    """
    page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    owner_slots = _owner_slots(pdf, parents)
    repeated: dict[int, set[int]] = defaultdict(set)
    stack = [tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K]
    seen: set[tuple[int, int]] = set()
    while stack:
        node = stack.pop()
        if node.objgen in seen:
            continue
        seen.add(node.objgen)
        if node.get("/S") == Name.Table:
            _drop_repeated_groups(node, facts, page_index, repeated)
        _merge_siblings(pdf, node, facts, owner_slots)
        stack.extend(reversed(struct_kids(node)))
    return repeated


def _origin(node, facts: Facts):
    origin = facts.origins.get(node.objgen[0])
    return None if origin is None else (id(origin[0]), origin[1], str(node.get("/S")))


def _merge_siblings(pdf, node, facts: Facts, owner_slots) -> None:
    kids = node.get("/K")
    if not isinstance(kids, pikepdf.Array) or len(kids) < 2:
        return
    kept: list = []
    last = None  # the origin of kept[-1] (None: not an element, or no origin known)
    for kid in kids:
        origin = _origin(kid, facts) if isinstance(kid, pikepdf.Dictionary) and "/S" in kid else None
        if origin is not None and origin == last:
            _absorb(pdf, kept[-1], kid, owner_slots)
        else:
            kept.append(kid)
            last = origin
    if len(kept) != len(kids):
        node.K = Array(kept)


def _absorb(pdf, into, piece, owner_slots) -> None:
    """Move the kids of `piece` (a later fragment) to the end of `into`'s kids. Marked
    content that `piece` owns directly is relinked: an MCID becomes a marked-content
    reference with its page (it no longer sits on `into`'s page), and the ParentTree
    entries of those MCIDs and of its annotations name `into`."""
    page = piece.get("/Pg")
    moved = []
    for kid in kid_list(piece):
        if isinstance(kid, int):
            kid = pdf.make_indirect(Dictionary(Type=Name.MCR, Pg=page, MCID=kid)) if page is not None else kid
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.get("/Type") != Name.OBJR:
            kid.P = into
        moved.append(kid)
    for slot in owner_slots.pop(piece.objgen, ()):
        slot(into)
        owner_slots.setdefault(into.objgen, []).append(slot)
    current = into.get("/K")
    existing = [] if current is None else (list(current) if isinstance(current, pikepdf.Array) else [current])
    into.K = Array(existing + moved)


def _owner_slots(pdf, parents) -> dict[tuple[int, int], list]:
    """For each struct element that owns marked content or an annotation directly, the
    setters of the ParentTree entries that name it (so a merge can point them elsewhere)."""
    slots: dict[tuple[int, int], list] = defaultdict(list)
    for key, value in parents.items():
        if isinstance(value, pikepdf.Array):
            for mcid, owner in enumerate(value):
                if isinstance(owner, pikepdf.Dictionary):
                    slots[owner.objgen].append(lambda new, arr=value, i=mcid: arr.__setitem__(i, new))
        elif isinstance(value, pikepdf.Dictionary):
            slots[value.objgen].append(lambda new, k=key: _set_parent(pdf, k, new))
    return slots


def _set_parent(pdf, key: int, element) -> None:
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    for i in range(0, len(nums), 2):
        if int(nums[i]) == key:
            nums[i + 1] = element
            return


def _drop_repeated_groups(table, facts: Facts, page_index, repeated: dict[int, set[int]]) -> None:
    """A Table whose fragments were merged holds one THead per page: keep the first (and the
    last TFoot), take the copies out and note their marked content as artifacts."""
    groups = [k for k in struct_kids(table) if k.get("/S") in REPEATED_GROUPS]
    by_origin: dict = defaultdict(list)
    for group in groups:
        by_origin[_origin(group, facts)].append(group)
    drop = []
    for origin, copies in by_origin.items():
        if origin is None or len(copies) < 2:
            continue
        drop += copies[1:] if copies[0].S == Name.THead else copies[:-1]
    if not drop:
        return
    gone = {g.objgen for g in drop}
    table.K = Array([k for k in kid_list(table) if not (isinstance(k, pikepdf.Dictionary) and k.objgen in gone)])
    for group in drop:
        for page, mcid in _marked_content(group, None):
            if page is not None and page.objgen in page_index:
                repeated[page_index[page.objgen]].add(mcid)


def _marked_content(node, page) -> Iterator[tuple[object, int]]:
    """(page, MCID) of every piece of marked content under `node`."""
    page = node.get("/Pg", page)
    for kid in kid_list(node):
        if isinstance(kid, int):
            yield page, kid
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == Name.MCR:
            yield kid.get("/Pg", page), int(kid.MCID)
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield from _marked_content(kid, page)


# --- tables ---------------------------------------------------------------------------

SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}


def _table_rows(table) -> list[tuple[pikepdf.Dictionary, str]]:
    """(TR, the row group it is in) for each row of a Table element, in order."""
    rows = []
    for kid in struct_kids(table):
        if kid.S == Name.TR:
            rows.append((kid, "/TBody"))
        elif kid.S in (Name.THead, Name.TBody, Name.TFoot):
            rows += [(tr, str(kid.S)) for tr in struct_kids(kid) if tr.S == Name.TR]
    return rows


def _attribute(cell, key: str, default=None):
    attrs = cell.get("/A")
    for attr in ([attrs] if isinstance(attrs, pikepdf.Dictionary) else list(attrs or [])):
        if isinstance(attr, pikepdf.Dictionary) and key in attr:
            return attr[key]
    return default


def _table_attributes(cell) -> pikepdf.Dictionary:
    attrs = cell.get("/A")
    if isinstance(attrs, pikepdf.Dictionary) and attrs.get("/O") == Name.Table:
        return attrs
    for attr in list(attrs or []) if isinstance(attrs, pikepdf.Array) else []:
        if isinstance(attr, pikepdf.Dictionary) and attr.get("/O") == Name.Table:
            return attr
    table_attrs = Dictionary(O=Name.Table)
    cell.A = table_attrs if attrs is None else Array([attrs, table_attrs])
    return table_attrs


def _grid(rows) -> list[tuple[pikepdf.Dictionary, int, int, int, int]]:
    """(cell, row, column, rowspan, colspan) for every TH/TD, with spans laid out."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, (tr, _) in enumerate(rows):
        c = 0
        for cell in struct_kids(tr):
            if cell.S not in (Name.TH, Name.TD):
                continue
            while (r, c) in taken:
                c += 1
            rowspan = int(_attribute(cell, "/RowSpan", 1))
            colspan = int(_attribute(cell, "/ColSpan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            cells.append((cell, r, c, rowspan, colspan))
            c += colspan
    return cells


def _repair_table(table, facts: Facts) -> None:
    """Give every TH a /Scope and every TD the /Headers (TH /IDs) that apply to it."""
    rows = _table_rows(table)
    cells = _grid(rows)
    row_has_data = defaultdict(bool)
    for cell, r, _, _, _ in cells:
        if cell.S == Name.TD:
            row_has_data[r] = True
    scope_of = {}
    for cell, r, c, _, _ in cells:
        if cell.S != Name.TH:
            continue
        scope = SCOPES.get(facts.scopes.get(cell.objgen[0], ""))
        if scope is None:  # HTML's "auto" state: a header in a row of data heads that row
            scope = "/Row" if row_has_data[r] and rows[r][1] != "/THead" else "/Column"
        _table_attributes(cell).Scope = Name(scope)
        if "/ID" not in cell:
            cell.ID = String(f"{table.objgen[0]}-{r}-{c}")
        scope_of[cell.objgen] = scope
    for cell, r, c, rowspan, colspan in cells:
        if cell.S != Name.TD:
            continue
        headers = []
        for th, hr, hc, hrows, hcols in cells:
            if th.S != Name.TH:
                continue
            in_rows = hr < r + rowspan and r < hr + hrows
            in_cols = hc < c + colspan and c < hc + hcols
            if (scope_of[th.objgen] == "/Row" and in_rows and hc < c) or \
               (scope_of[th.objgen] == "/Column" and in_cols and hr < r):
                headers.append(th.ID)
        _table_attributes(cell).Headers = Array(headers)


def _write_id_tree(pdf, tree, reachable) -> None:
    """Every element /ID in a name tree, so TD /Headers resolve (PDF 1.7, 14.7.2)."""
    ids = sorted(((bytes(el.ID), el) for el in reachable.values() if "/ID" in el), key=lambda pair: pair[0])
    if not ids:
        return
    names = Array()
    for key, element in ids:
        names.append(String(key))
        names.append(element)
    tree.IDTree = pdf.make_indirect(Dictionary(Names=names))


# --- links ----------------------------------------------------------------------------

def _repair_links(pdf, parents, facts: Facts) -> None:
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not annots:
            continue
        page.obj.Tabs = Name.S  # tab order follows the structure tree
        for annot in annots:
            if annot.get("/Subtype") != Name.Link or "/StructParent" not in annot:
                continue
            element = parents.get(int(annot.StructParent))
            if isinstance(element, pikepdf.Dictionary):
                name = facts.link_names.get(element.objgen[0])
                if name:
                    annot.Contents = String(name)
