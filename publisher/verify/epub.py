"""EPUB bytes -> findings: our own structure checks (EPUBCheck and Ace run in `publish check`)."""
from __future__ import annotations

import zipfile

from lxml import etree

from ..archive import open_archive
from ..findings import Finding, finding

OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def check(data: bytes, *, name: str, file=None) -> list[Finding]:
    """Our own structure checks on the bytes (`file`, the bytes read for the other checks, is not needed)."""
    found = []
    add = lambda message: found.append(finding("e-001", f"{name}: {message}"))  # noqa: E731
    with open_archive(data) as z:  # bounded: the file may not come from our build
        names = z.namelist()
        if names[0] != "mimetype" or z.getinfo("mimetype").compress_type != zipfile.ZIP_STORED:
            add("'mimetype' must be the first entry, stored")
        container = z.xml("META-INF/container.xml")
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = z.xml(opf_path)
        if not opf.get(XML_LANG):
            add("the package has no xml:lang")
        if not opf.findtext(".//dc:language", namespaces=OPF_NS):
            add("no dc:language")
        props = [m.get("property") for m in opf.iterfind(".//opf:meta", OPF_NS)]
        for needed in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                       "schema:accessibilityHazard", "schema:accessibilitySummary"):
            if needed not in props:
                add(f"no {needed} metadata")
        base = opf_path.rpartition("/")[0]
        for item in opf.iterfind(".//opf:item", OPF_NS):
            if item.get("media-type") != "application/xhtml+xml":
                continue
            href = f"{base}/{item.get('href')}" if base else item.get("href")
            try:
                doc = z.xml(href)
            except etree.XMLSyntaxError as exc:
                add(f"{href} is not well-formed XHTML: {exc}")
                continue
            if not doc.get("lang") or not doc.get(XML_LANG):
                add(f"{href} has no lang and xml:lang")
            if not (doc.findtext(f"{XHTML}head/{XHTML}title") or "").strip():
                add(f"{href} has no title")
            for img in doc.iter(f"{XHTML}img"):
                if img.get("alt") is None:
                    add(f"{href}: an image has no alt text")
    return found
