"""A clinic profile (YAML) -> model.Clinic: the clinic's name, contact details and local
crisis resources, shown on every output without touching a template."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import yamlfile
from .errors import ContentError
from .findings import finding, shown_path
from .model import SourceRef

FIELDS = {"name", "address", "phone", "website", "base_url", "logo", "logo_alt", "crisis_resources"}
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{2,30}[0-9]$")


def phone_uri(phone: str) -> str:
    """'+1 555-010-0100' -> '+15550100100' (RFC 3966 global number, for tel: links)."""
    return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)


@dataclass(frozen=True)
class CrisisResource:
    name: str
    phone: str = ""
    note: str = ""

    @property
    def phone_uri(self) -> str:
        return phone_uri(self.phone)


@dataclass(frozen=True)
class Clinic:
    name: str
    address: str = ""
    phone: str = ""
    website: str = ""
    base_url: str = ""
    logo: Path | None = None
    logo_alt: str = ""
    crisis_resources: tuple[CrisisResource, ...] = ()
    source: Path | None = None

    @property
    def phone_uri(self) -> str:
        return phone_uri(self.phone)


def read_clinic(path: Path) -> Clinic:
    """Read and check a clinic profile; every problem names the file, the key and what is expected."""
    path = Path(path)
    shown = shown_path(path)  # for messages; `path` stays as given for reading
    if not path.is_file():
        raise ContentError([finding("c-016", "clinic profile not found", source=SourceRef(shown))])
    text, problems = yamlfile.read_text(path, shown)
    if text is None:
        raise ContentError(problems)
    data, found = yamlfile.load(text, SourceRef(shown, 1))
    if found:
        raise ContentError(found)
    if not isinstance(data, dict):
        raise ContentError([finding("c-012", "a clinic profile is a list of 'field: value' lines",
                                    source=SourceRef(shown, 1))])
    found += yamlfile.check_keys(data, known=FIELDS, required=("name",), file=shown)
    at = lambda key, d=data: SourceRef(shown, yamlfile.line_of(d, key))  # noqa: E731
    text_of = lambda key, d=data: str(d.get(key) or "").strip()  # noqa: E731

    def check_phone(value, where, key):
        if value and not _PHONE.match(value):
            found.append(finding("c-012", f"'{key}: {value}' is not a phone number", source=where,
                                 hint="Expected digits with optional spaces, dashes or brackets, e.g. \"+1 555-010-0100\"."))

    check_phone(text_of("phone"), at("phone"), "phone")
    for key in ("website", "base_url"):
        if text_of(key) and not re.match(r"^https?://[^\s/]+", text_of(key)):
            found.append(finding("c-012", f"'{key}' must be a web address", source=at(key),
                                 hint="Expected a full address starting with https://."))
    logo = None
    if text_of("logo"):
        logo = (path.parent / text_of("logo")).resolve()
        if path.parent.resolve() not in logo.parents:  # the profile may not reach other files
            found.append(finding("c-015", f"logo '{text_of('logo')}' is not a file beside the clinic profile",
                                 source=at("logo"), hint="Put the logo in the clinic profile's folder."))
        elif logo.suffix.lower() not in (".svg", ".png"):
            found.append(finding("c-006", f"logo '{text_of('logo')}' must be an SVG or PNG file", source=at("logo")))
        elif not logo.is_file():
            found.append(finding("c-006", f"logo file '{text_of('logo')}' does not exist", source=at("logo")))
        elif not _looks_like_image(logo):
            found.append(finding("c-006", f"logo '{text_of('logo')}' is not an image", source=at("logo"),
                                 hint="Expected a real SVG or PNG file."))
        if not text_of("logo_alt"):
            found.append(finding("c-006", "the logo has no alt text", source=at("logo"),
                                 hint="Add logo_alt: with the words the logo shows, e.g. \"Springfield Clinic logo\"."))
    resources = []
    items = data.get("crisis_resources") or []
    if not isinstance(items, list):
        found.append(finding("c-012", "'crisis_resources' must be a list", source=at("crisis_resources")))
        items = []
    for item in items:
        if not isinstance(item, dict) or not item.get("name"):
            found.append(finding("c-002", "each crisis resource needs a name", source=at("crisis_resources"),
                                 hint="Expected '- name: ...' with phone: and note:."))
            continue
        found += yamlfile.check_keys(item, known={"name", "phone", "note"}, required=("name",), file=shown)
        check_phone(text_of("phone", item), at("phone", item), "phone")
        resources.append(CrisisResource(text_of("name", item), text_of("phone", item), text_of("note", item)))
    if found:
        raise ContentError(found)
    return Clinic(name=text_of("name"), address=text_of("address"), phone=text_of("phone"),
                  website=text_of("website"), base_url=text_of("base_url"), logo=logo,
                  logo_alt=text_of("logo_alt"), crisis_resources=tuple(resources), source=path)


def _looks_like_image(path: Path) -> bool:
    head = path.read_bytes()[:512]
    if path.suffix.lower() == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    return b"<svg" in head or (b"<?xml" in head and b"<svg" in path.read_bytes()[:4096])
