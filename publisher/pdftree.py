"""Reading a tagged PDF's structure tree with pikepdf: shared by the PDF/UA repair step
(writers/pdfua.py) and the PDF/UA checks (verify/pdf.py). pikepdf only, so a check that
renders nothing never imports WeasyPrint."""
from __future__ import annotations

import io

import pikepdf
from lxml import etree

SCHEMA_NS = "http://schema.org/"
# So that pikepdf writes schema:educationalLevel rather than ns0:educationalLevel.
etree.register_namespace("schema", SCHEMA_NS)


def kids(node) -> list:
    """A structure node's /K as a list (it may be one object or an array)."""
    value = node.get("/K")
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def struct_kids(node) -> list:
    """The structure elements among a node's kids (not marked-content or object references)."""
    return [k for k in kids(node) if isinstance(k, pikepdf.Dictionary) and "/S" in k]


def _tree(node, leaves: str, key) -> dict:
    """A PDF number or name tree (leaves in /Nums or /Names pairs, branches in /Kids) as a dict."""
    out: dict = {}
    stack = [node]
    while stack:
        current = stack.pop()
        pairs = current.get(leaves)
        if pairs is not None:
            out.update({key(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)})
        stack.extend(current.get("/Kids") or [])
    return out


def number_tree(node) -> dict[int, object]:
    """A number tree (/Nums, /Kids) as a dict."""
    return _tree(node, "/Nums", int)


def name_tree(node) -> dict[bytes, object]:
    """A name tree (/Names, /Kids) as a dict."""
    return _tree(node, "/Names", bytes)


def save_with_reading_level(pdf: pikepdf.Pdf, level: str) -> bytes:
    """Add schema:educationalLevel (the measured reading level, e.g. "Flesch-Kincaid grade
    5.4") to an open PDF's XMP metadata and return the saved bytes.

    It edits the one rdf:RDF packet in place (WeasyPrint's own xmp_metadata hook would add a
    second one), keeps the PDF/UA identification, does not stamp pikepdf as the producer or
    a modification time, and derives the second /ID from the content, so the same content
    still gives the same bytes."""
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta[f"{{{SCHEMA_NS}}}educationalLevel"] = level
    out = io.BytesIO()
    # Object streams made here as in the repair's save (writers/pdfua.py): the document may
    # come straight from WeasyPrint's uncompressed file, which has none to keep.
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
