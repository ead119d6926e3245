"""A clinic profile (YAML) -> model.Clinic: the clinic's name, contact details and local
crisis resources, shown on every output without touching a template."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import pictures, yamlfile
from .errors import ContentError
from .findings import finding, shown_path
from .model import SourceRef

FIELDS = {"name", "address", "phone", "website", "base_url", "logo", "logo_alt", "crisis_resources"}
_PHONE = re.compile(r"^\+?[0-9(][0-9 ()./-]*[0-9]$")
# 3 digits for short codes such as 211 or 988; 15 is the longest number E.164 allows.
_PHONE_DIGITS = range(3, 16)
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}


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
    logo_data: bytes = field(default=b"", repr=False)  # read here, so later steps open no files

    @property
    def phone_uri(self) -> str:
        return phone_uri(self.phone)

    @property
    def logo_media_type(self) -> str:
        return LOGO_TYPES[self.logo.suffix.lower()] if self.logo else ""


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
        if value and not _is_phone(value):
            found.append(finding("c-012", f"'{key}: {value}' is not a phone number", source=where,
                                 hint="Expected 3 to 15 digits with optional spaces, dashes or brackets, "
                                      "e.g. \"+1 555-010-0100\" or \"211\"."))

    check_phone(text_of("phone"), at("phone"), "phone")
    for key in ("website", "base_url"):
        if text_of(key) and not re.match(r"^https?://[^\s/]+", text_of(key)):
            found.append(finding("c-012", f"'{key}' must be a web address", source=at(key),
                                 hint="Expected a full address starting with https://."))
    logo, logo_data = None, b""
    if text_of("logo"):
        logo = (path.parent / text_of("logo")).resolve()
        problem = _logo_problem(logo, path.parent.resolve())
        if problem:
            found.append(finding(problem[0], f"'logo: {text_of('logo')}': {problem[1]}", source=at("logo"),
                                 hint=problem[2]))
        else:
            try:  # the same check as a content picture's (publisher/pictures.py)
                logo_data = pictures.check_picture(pictures.read_picture(logo), logo.suffix).data
            except pictures.PictureRefused as exc:
                found.append(finding(exc.code, f"'logo: {text_of('logo')}': the logo {exc.reason}",
                                     source=at("logo"), hint=exc.hint))
            except OSError as exc:
                found.append(finding("c-016", f"'logo: {text_of('logo')}': cannot read it: {exc.strerror or exc}",
                                     source=at("logo")))
        if not text_of("logo_alt"):
            found.append(finding("c-006", "'logo_alt' is missing: the logo has no alt text", source=at("logo"),
                                 hint="Expected logo_alt: with the words the logo shows, "
                                      "e.g. \"Springfield Clinic logo\"."))
    elif text_of("logo_alt"):
        found.append(finding("c-002", "'logo_alt' is set but there is no 'logo'", source=at("logo_alt"),
                             hint="Expected logo: with the file name of an SVG or PNG beside the profile."))
    resources = []
    items = data.get("crisis_resources") or []
    if not isinstance(items, list):
        found.append(finding("c-012", "'crisis_resources' must be a list", source=at("crisis_resources")))
        items = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("name"):
            found.append(finding("c-002", "each crisis resource needs a name", source=at("crisis_resources"),
                                 hint="Expected '- name: ...' with phone: and note:."))
            continue
        found += yamlfile.check_keys(item, known={"name", "phone", "note"}, required=("name",), file=shown)
        check_phone(text_of("phone", item), at("phone", item), f"crisis_resources[{number}].phone")
        resources.append(CrisisResource(text_of("name", item), text_of("phone", item), text_of("note", item)))
    if found:
        raise ContentError(found)
    return Clinic(name=text_of("name"), address=text_of("address"), phone=text_of("phone"),
                  website=text_of("website"), base_url=text_of("base_url"), logo=logo,
                  logo_alt=text_of("logo_alt"), crisis_resources=tuple(resources), source=path,
                  logo_data=logo_data)


def _is_phone(value: str) -> bool:
    """Digits with optional separators, 3 to 15 digits, brackets balanced: '+1 (217) 555-0142', '211'."""
    if not _PHONE.match(value) or len(re.sub(r"\D", "", value)) not in _PHONE_DIGITS:
        return False
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth not in (0, 1):
            return False
    return depth == 0


def _logo_problem(logo: Path, folder: Path) -> tuple[str, str, str] | None:
    """(code, problem, what is expected) for a logo file that cannot be used, else None."""
    expected = "Expected an SVG or PNG file in the profile's folder, e.g. logo: logo.svg."
    if folder not in logo.parents:
        return "c-015", "the logo must be inside the profile's folder", expected
    if logo.suffix.lower() not in LOGO_TYPES:
        return "c-006", "a logo must be an SVG or PNG file", expected
    if not logo.is_file():
        return "c-006", "the file does not exist", expected
    return None
