"""Reading ZIP archives the tool did not just write (an EPUB given to `publish check`),
and the compressed streams of a PDF from elsewhere (`check_pdf_streams`), with bounded work: the entry count, each entry's declared unpacked size and compression
ratio, and the total are checked before anything is inflated (limits in publisher/limits.py),
and entries are inflated in chunks that stop at the declared size, so memory never grows
with what a file claims to hold. XML inside is parsed without entities, DTDs or network.
"""
from __future__ import annotations

import io
import re
import zlib
import zipfile

from lxml import etree

from . import limits
from .limits import human_bytes


class ArchiveRefused(ValueError):
    """An archive (or one of its entries) beyond the limits; the message says which and why."""


def open_archive(data: bytes) -> "SafeZip":
    """A checked archive over `data`; ArchiveRefused (or zipfile.BadZipFile) if it cannot be used."""
    return SafeZip(zipfile.ZipFile(io.BytesIO(data)))


class SafeZip:
    """A zipfile.ZipFile whose entries were checked against the limits before any is read."""

    def __init__(self, archive: zipfile.ZipFile):
        self.zip = archive
        infos = archive.infolist()
        if len(infos) > limits.MAX_ARCHIVE_ENTRIES:
            raise ArchiveRefused(f"it has {len(infos)} entries; the limit is {limits.MAX_ARCHIVE_ENTRIES}")
        total = 0
        for info in infos:
            _check_entry(info)
            total += info.file_size
        if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
            raise ArchiveRefused(f"its entries unpack to {human_bytes(total)} together; the limit is "
                                 f"{human_bytes(limits.MAX_ARCHIVE_TOTAL_BYTES)}")

    def __enter__(self) -> "SafeZip":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self.zip.getinfo(name)

    def read(self, name: str) -> bytes:
        """An entry's bytes, inflated in chunks and never beyond its (checked) declared size."""
        info = self.zip.getinfo(name)
        cap = min(info.file_size, limits.MAX_ARCHIVE_ENTRY_BYTES)
        out = bytearray()
        with self.zip.open(info) as stream:
            while True:
                chunk = stream.read(min(1 << 20, cap + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:
                    raise ArchiveRefused(f"the entry '{_short(name)}' unpacks to more than it declares")
        return bytes(out)

    def xml(self, name: str):
        """An entry parsed as XML (no entities resolved, no DTD, no network, no huge trees)."""
        return etree.fromstring(self.read(name), xml_parser())


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _check_entry(info: zipfile.ZipInfo) -> None:
    name = _short(info.filename)
    if info.file_size > limits.MAX_ARCHIVE_ENTRY_BYTES:
        raise ArchiveRefused(f"the entry '{name}' unpacks to {human_bytes(info.file_size)}; the limit is "
                             f"{human_bytes(limits.MAX_ARCHIVE_ENTRY_BYTES)} per entry")
    if (info.file_size > limits.ARCHIVE_RATIO_FROM
            and info.file_size > limits.MAX_ARCHIVE_RATIO * max(info.compress_size, 1)):
        raise ArchiveRefused(f"the entry '{name}' unpacks {info.file_size // max(info.compress_size, 1)} times "
                             f"larger than it is stored (to {human_bytes(info.file_size)}); the limit is "
                             f"{limits.MAX_ARCHIVE_RATIO} times")


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


_STREAM = re.compile(rb"stream\r?\n")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)\b")


def check_pdf_streams(data: bytes) -> None:
    """Raise ArchiveRefused for a PDF whose Flate-compressed streams (page contents, object
    streams, fonts) unpack beyond the archive limits: a PDF is a container of compressed
    streams, and the PDF checks (pikepdf, pdfminer) would unpack them whole. The file's own
    bytes are scanned, so nothing here unpacks a stream further than the limit."""
    total = 0
    for match in _STREAM.finditer(data):
        if data[max(0, match.start() - 3):match.start()] == b"end":
            continue  # the end of the previous stream
        end = data.find(b"endstream", match.end())
        if end < 0:
            break
        head = data[max(0, match.start() - 512):match.start()]
        dictionary = head[head.rfind(b"<<"):] if b"<<" in head else head
        if not _FLATE.search(dictionary):
            continue
        size = _inflated_size(data[match.end():end], limits.MAX_ARCHIVE_ENTRY_BYTES)
        if size > limits.MAX_ARCHIVE_ENTRY_BYTES:
            raise ArchiveRefused(f"a stream at byte {match.end()} unpacks to more than "
                                 f"{human_bytes(limits.MAX_ARCHIVE_ENTRY_BYTES)}, the limit per stream")
        total += size
        if total > limits.MAX_ARCHIVE_TOTAL_BYTES:
            raise ArchiveRefused(f"its streams unpack to more than {human_bytes(limits.MAX_ARCHIVE_TOTAL_BYTES)} "
                                 "together, the limit")


def _inflated_size(raw: bytes, cap: int) -> int:
    """How many bytes `raw` inflates to, counting no further than cap + 1 (broken data: what
    inflated before the error)."""
    inflater = zlib.decompressobj()
    size, pending = 0, raw
    try:
        while pending and size <= cap:
            size += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        pass
    return size
