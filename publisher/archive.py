"""Reading ZIP archives the tool did not just write (an EPUB given to `publish check`),
with bounded work: the entry count, each entry's declared unpacked size and compression
ratio, and the total are checked before anything is inflated (limits in publisher/limits.py),
and entries are inflated in chunks that stop at the declared size, so memory never grows
with what a file claims to hold. XML inside is parsed without entities, DTDs or network.
"""
from __future__ import annotations

import io
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
