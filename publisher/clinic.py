"""A clinic profile (YAML) -> model.Clinic: the clinic's name, contact details and local
crisis resources, shown on every output without touching a template."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import pictures, yamlfile
from .fields import Field, read_fields
from .errors import ContentError
from .findings import finding, os_error_hint, shown_path
from .model import SourceRef

#: The fields of a clinic profile, and of each of its crisis resources.
FIELDS = {
    "name": Field(required=True, about="the clinic's name"),
    "address": Field(default=""),
    "phone": Field(default="", about="3 to 15 digits with optional spaces, dashes or brackets"),
    "website": Field(default="", about="a full address starting with https://"),
    "base_url": Field(default="", about="where handouts/ is served, starting with https://"),
    "logo": Field(default="", about="the file name of an SVG or PNG beside the profile"),
    "logo_alt": Field(default="", about="the words the logo shows"),
    "crisis_resources": Field("list", default=[], about="'- name: ...' lines with phone: and note:"),
}
RESOURCE_FIELDS = {"name": Field(required=True), "phone": Field(default=""), "note": Field(default="")}
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
    #: In one output: the language of the profile's words where it is not the output's ("" when
    #: they are in it); templates mark the clinic's words with it (render.base_context sets it).
    words_lang: str = ""

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
        raise ContentError([finding("c-016", "clinic profile not found" if not path.is_dir() else
                                    "this is a folder, not a clinic profile", source=SourceRef(shown),
                                    hint="Check the path given with --clinic (or a recipe's clinic:): a clinic "
                                         "profile is a YAML file such as source/clinic.yaml.")])
    data, found = yamlfile.read_block(path, shown, code="c-012", what="a clinic profile", safety=True)
    if data is None:
        raise ContentError(found)
    values, found = read_fields(data, FIELDS, shown)
    at = lambda key, d=data: SourceRef(shown, yamlfile.line_of(d, key))  # noqa: E731
    found += _phone_problems(values["phone"], at("phone"), "phone")
    for key in ("website", "base_url"):
        if values[key] and not re.match(r"^https?://[^\s/]+", values[key]):
            found.append(finding("c-012", f"'{key}' must be a web address", source=at(key),
                                 hint="Expected a full address starting with https://."))
    logo, logo_data, problems = _read_logo(path, values, at)
    found += problems
    resources = []
    for number, item in enumerate(values["crisis_resources"], start=1):
        if not isinstance(item, dict) or not item.get("name"):
            found.append(finding("c-002", "each crisis resource needs a name", source=at("crisis_resources"),
                                 hint="Expected '- name: ...' with phone: and note:."))
            continue
        resource, problems = read_fields(item, RESOURCE_FIELDS, shown)
        found += problems + _phone_problems(resource["phone"], at("phone", item), f"crisis_resources[{number}].phone")
        resources.append(CrisisResource(resource["name"], resource["phone"], resource["note"]))
    if found:
        raise ContentError(found)
    return Clinic(name=values["name"], address=values["address"], phone=values["phone"],
                  website=values["website"], base_url=values["base_url"], logo=logo,
                  logo_alt=values["logo_alt"], crisis_resources=tuple(resources), source=path,
                  logo_data=logo_data)


def _phone_problems(value: str, where: SourceRef, key: str) -> list:
    if not value or _is_phone(value):
        return []
    return [finding("c-012", f"'{key}: {value}' is not a phone number", source=where,
                    hint="Expected 3 to 15 digits with optional spaces, dashes or brackets, "
                         "e.g. \"+1 555-010-0100\" or \"211\".")]


def _read_logo(path: Path, values: dict, at) -> tuple[Path | None, bytes, list]:
    """The profile's logo: (resolved path, bytes, findings); (None, b"", ...) without one."""
    if not values["logo"]:
        if values["logo_alt"]:
            return None, b"", [finding("c-002", "'logo_alt' is set but there is no 'logo'", source=at("logo_alt"),
                                       hint="Expected logo: with the file name of an SVG or PNG beside the profile.")]
        return None, b"", []
    found = []
    logo, logo_data = (path.parent / values["logo"]).resolve(), b""
    problem = _logo_problem(logo, path.parent.resolve())
    if problem:
        found.append(finding(problem[0], f"'logo: {values['logo']}': {problem[1]}", source=at("logo"), hint=problem[2]))
    else:
        try:  # the same check as a content picture's (publisher/pictures.py)
            logo_data = pictures.check_picture(pictures.read_picture(logo), logo.suffix).data
        except pictures.PictureRefused as exc:
            found.append(finding(exc.code, f"'logo: {values['logo']}': the logo {exc.reason}", source=at("logo"),
                                 hint=exc.hint))
        except OSError as exc:
            found.append(finding("c-016", f"'logo: {values['logo']}': cannot read it: {exc.strerror or exc}",
                                 source=at("logo"), hint=os_error_hint(exc)))
    if not values["logo_alt"]:
        found.append(finding("c-006", "'logo_alt' is missing: the logo has no alt text", source=at("logo"),
                             hint="Expected logo_alt: with the words the logo shows, e.g. \"Springfield Clinic logo\"."))
    return logo, logo_data, found


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
