"""The project as the server sees it, and the warm renderer.

Topics, editions and clinic profiles are read once and kept while no file under source/
(or a --topic-dir) changes: a request costs a directory listing, not a re-read. Renders
run in this process, one at a time (`render_lock`): WeasyPrint, its fonts and the parsed
stylesheets stay loaded between requests, so a custom handout costs its layout and its
checks, not an interpreter start and the imports.

Clinic profiles are chosen by id: `default` is source/clinic.yaml, and every
source/clinics/<id>.yaml is another (for example a second site of the clinic).
"""
from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..clinic import Clinic, read_clinic
from ..fields import Field
from ..formats import FORMATS
from ..errors import ContentError, EditionError, OutputError, PublishError
from ..findings import finding
from ..model import Edition, SelectedDocument, Topic
from ..project import Project, build_timestamp, digital_path, load_editions, load_topics, topic_folders
from ..summary import RECIPE_FIELDS, prepare_summary, recipe_request, safety_titles

#: A request's own hint for the errors the command line hints at with `publish list` (by code).
_WEB_HINTS = {
    "u-004": "Choose a topic the content has: GET /summary lists the topics, as `publish list` does.",
    "u-006": "Choose the sections to include: GET /summary?topic=ID&audience=patient lists a topic's sections "
             "for an audience, as `publish list` does.",
}

#: Where the clinic profiles besides source/clinic.yaml live (one YAML file each; id = file name).
CLINICS_FOLDER = "clinics"
DEFAULT_CLINIC = "default"
#: Where "Save as recipe" writes: <project>/recipes/<name>.yaml.
RECIPES_FOLDER = "recipes"
RECIPE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
#: What a request names the fields after: the recipe's fields, less the output path (the
#: server never takes a path) and with `clinic` as a profile id.
REQUEST_FIELDS = {**{k: v for k, v in RECIPE_FIELDS.items() if k != "output"},
                  "clinic": Field(about="a clinic profile id: default, or the name of a file in source/clinics/")}
MADE_KEPT = 64  # custom files kept in memory (a two-page PDF is about 20 KB)
SOURCE = "POST /summary"  # what findings about a request name as their "file"


@dataclass(frozen=True)
class ClinicProfile:
    """A clinic profile the form offers: its id, the profile as read, and its file."""

    id: str
    clinic: Clinic
    path: Path


@dataclass
class Content:
    """One reading of the project: editions, the topics that read cleanly, the problems of
    those that did not, and the clinic profiles."""

    editions: dict[str, Edition]
    topics: dict[str, Topic]
    broken: dict[str, list]  # topic id -> its findings
    clinics: dict[str, ClinicProfile]
    problems: list = field(default_factory=list)  # editions.yaml and clinic profiles


@dataclass(frozen=True)
class SummaryFile:
    """A custom file made in memory for a request: nothing was written."""

    data: bytes
    filename: str
    media_type: str
    pages: int | None
    document: SelectedDocument
    required_titles: tuple[str, ...]
    added_titles: tuple[str, ...]
    findings: list
    cached: bool = False  # answered from memory: made before from the same inputs


class Site:
    """A project served: its content (kept while unchanged) and the warm renderer."""

    def __init__(self, project: Project, *, topic_dirs=(), out_dir: Path | None = None):
        self.project = project
        self.topic_dirs = tuple(Path(d) for d in topic_dirs)
        self.out_dir = Path(out_dir or project.out_dir)
        self.render_lock = threading.Lock()
        self._lock = threading.Lock()
        self._content: tuple[tuple, Content] | None = None
        self._made: OrderedDict[str, SummaryFile] = OrderedDict()  # key -> file, least recently used first

    # -- content ------------------------------------------------------------------------
    @property
    def clinics_dir(self) -> Path:
        """source/clinics/: the clinic profiles besides source/clinic.yaml."""
        return self.project.source_dir / CLINICS_FOLDER

    @property
    def recipes_dir(self) -> Path:
        """recipes/: where "Save as recipe" writes."""
        return self.project.root / RECIPES_FOLDER

    def _fingerprint(self) -> tuple:
        """Every content file's name, size and time: a change anywhere gives a new value."""
        seen = []
        for top in (self.project.source_dir, *self.topic_dirs):
            for folder, dirs, files in os.walk(top):
                dirs.sort()
                for name in sorted(files):
                    try:
                        st = os.stat(os.path.join(folder, name))
                    except OSError:
                        continue
                    seen.append((folder, name, st.st_mtime_ns, st.st_size))
        return tuple(seen)

    def content(self) -> Content:
        """The project's content, read again only when a file changed."""
        stamp = self._fingerprint()
        with self._lock:
            if self._content is None or self._content[0] != stamp:
                self._content = (stamp, self._read())
            return self._content[1]

    def _read(self) -> Content:
        problems: list = []
        try:
            editions = load_editions(self.project)
        except PublishError as exc:
            editions, problems = {}, list(exc.findings) or [finding("d-001", str(exc))]
        topics, broken = {}, {}
        try:
            names = list(topic_folders(self.project, self.topic_dirs))
        except PublishError as exc:
            names, problems = [], problems + list(exc.findings)
        for name in names:
            try:
                topics.update(load_topics(self.project, [name], self.topic_dirs))
            except PublishError as exc:
                broken[name] = list(exc.findings) or [finding("c-016", str(exc))]
        clinics = {}
        for cid, path in self._clinic_files().items():
            try:
                clinics[cid] = ClinicProfile(cid, read_clinic(path), path)
            except ContentError as exc:
                problems += exc.findings
        return Content(editions, topics, broken, clinics, problems)

    def _clinic_files(self) -> dict[str, Path]:
        files = {DEFAULT_CLINIC: self.project.default_clinic}
        if self.clinics_dir.is_dir():
            for path in sorted(self.clinics_dir.glob("*.yaml")):
                if RECIPE_NAME.match(path.stem) and path.stem != DEFAULT_CLINIC:
                    files[path.stem] = path
        return files

    # -- a custom file ------------------------------------------------------------------
    def plan(self, fields: dict) -> tuple[SelectedDocument, Path, ClinicProfile, Content, list]:
        """The selected document of a request's fields, checked as a recipe is and planned as
        `publish summary` plans it (same findings), its file name and the findings so far
        (stale translations that are not errors); nothing is rendered. Raises PublishError
        naming every problem."""
        fields = dict(fields)
        content = self.content()
        if content.problems:
            raise ContentError(content.problems)
        clinic_id = fields.pop("clinic", None) or DEFAULT_CLINIC
        problems = []
        if clinic_id not in content.clinics:
            problems.append(finding("u-001", f"unknown clinic profile '{clinic_id}'", source=_source(),
                                    hint=f"Choose one of: {', '.join(content.clinics) or 'none'} "
                                         f"(profiles are source/clinic.yaml and source/{CLINICS_FOLDER}/*.yaml)."))
        try:
            request = recipe_request(fields, source=SOURCE, base=None, fields=REQUEST_FIELDS)
        except ContentError as exc:
            raise ContentError(problems + exc.findings) from None
        if request.topic in content.broken:
            raise ContentError(problems + content.broken[request.topic])
        try:  # the selection is checked even when the clinic is unknown: every problem in one answer
            topic = content.topics.get(request.topic)
            if topic is None:  # the library's own message (and the topics there are)
                load_topics(self.project, [request.topic], self.topic_dirs)
                raise EditionError(f"unknown topic '{request.topic}'", code="u-004")
            doc, target, notes = prepare_summary(self.project, request, content.editions, topic, self.out_dir)
        except EditionError as exc:
            # The command line's hint names `publish list` and its options: a request gets the web's own.
            found = [replace(f, file=str(_source().file), line=_source().line, hint=_WEB_HINTS[f.code])
                     if f.code in _WEB_HINTS else f for f in exc.findings]
            if problems:
                raise ContentError(problems + found) from None
            raise EditionError(str(exc), found) from None
        if problems:
            raise ContentError(problems)
        return doc, target, content.clinics[clinic_id], content, notes

    def summary(self, fields: dict) -> SummaryFile:
        """Render a custom file in memory with the warm renderer (nothing is written).

        A file asked for again with the same inputs (the build cache's key: the selected
        content as read, topic.yaml, editions.yaml, the clinic profile, every layout file,
        the options and the tool's version) is answered from memory: the same inputs give
        the same bytes."""
        from ..cache import Inputs
        from ..job import Job, OutputOptions, run_job
        doc, target, profile, content, notes = self.plan(fields)
        digital = digital_path(doc.topic.id, content.editions, lang=doc.topic.language,
                               topic=content.topics.get(doc.topic.id))
        inputs = Inputs(self.project.layouts_dir, self.project.editions_file, profile.clinic,
                        options={"paper": doc.paper, "check": "fast", "served": True})
        key = inputs.key(doc, name=target.name, extra={"digital": digital,
                                                        "date": build_timestamp(doc.topic).isoformat()})
        with self._lock:
            known = self._made.get(key)
            if known is not None:
                self._made.move_to_end(key)
                return replace(known, cached=True)
        job = Job(doc=doc, clinic=profile.clinic, layouts=self.project.layouts_dir, name=target.name,
                  options=OutputOptions(timestamp=build_timestamp(doc.topic), digital=digital))
        with self.render_lock:
            result = run_job(job)
        result.raise_failure()
        required, added = safety_titles(doc)
        made = SummaryFile(data=result.data, filename=target.name, media_type=FORMATS[doc.edition.format].media_type,
                           pages=result.pages, document=doc, required_titles=required, added_titles=added,
                           findings=notes + list(result.findings))
        with self._lock:
            self._made[key] = made
            while len(self._made) > MADE_KEPT:
                self._made.popitem(last=False)
        return made

    def warm_up(self) -> None:
        """Import the renderer and lay out one small file, so the first request is warm."""
        content = self.content()
        for topic in content.topics.values():
            ids = [s.id for s in topic.all_sections() if "patient" in s.audiences and not s.required_for][:1]
            if ids:
                try:
                    self.summary({"topic": topic.id, "audience": "patient", "sections": ids})
                except PublishError:
                    pass  # the preview shows the topic's problems
                return

    # -- recipes ------------------------------------------------------------------------
    def save_recipe(self, fields: dict, name: str) -> Path:
        """Write the request as recipes/<name>.yaml, which `publish summary --recipe` reads.
        The name is checked (lowercase letters, digits, hyphens); an existing recipe is
        never replaced; the file is never written outside recipes/."""
        if not isinstance(name, str) or not RECIPE_NAME.match(name):
            raise ContentError([finding("u-001", f"'{name}' cannot be a recipe name", source=_source(),
                                        hint="Use lowercase letters, digits and hyphens, e.g. mood-and-exercise.")])
        doc, _, profile, _, _ = self.plan(fields)  # the same checks as making the file
        folder = self.recipes_dir
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise OutputError("the recipes folder is not a folder of this project", [finding(
                "o-003", "recipes/ is a link or a file", source=_source(),
                hint="Make recipes/ a plain folder inside the project.")])
        folder.mkdir(exist_ok=True)
        target = folder / f"{name}.yaml"
        if target.exists() or target.is_symlink():
            raise OutputError(f"recipes/{name}.yaml exists", [finding(
                "o-002", f"a recipe called '{name}' exists already", source=_source(),
                hint="Choose another name; saving never replaces a recipe.")])
        request = recipe_request({k: v for k, v in fields.items() if k != "clinic"}, source=SOURCE, base=None,
                                 fields=REQUEST_FIELDS)
        data = {"topic": request.topic, "audience": request.audience}
        if request.sections:
            data["sections"] = list(request.sections)
        if request.exclude:
            data["exclude"] = list(request.exclude)
        data["format"] = doc.edition.format
        if request.title:
            data["title"] = request.title
        if profile.id != DEFAULT_CLINIC:
            data["clinic"] = os.path.relpath(profile.path, folder)
        data["large_print"] = request.large_print
        if request.paper:
            data["paper"] = request.paper
        if request.lang:
            data["lang"] = request.lang
        text = (f"# Saved from the custom handout form of `publish serve`. Rerun it with\n"
                f"#   publish summary --recipe recipes/{name}.yaml\n"
                + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        from ..output import OutputWriter
        return OutputWriter(folder).write(target, text.encode("utf-8"))

    # -- built files --------------------------------------------------------------------
    def outputs_of(self, topic_id: str) -> dict[str, BuiltFile]:
        """Every file a build may make of a topic, by file name: each edition in the topic's
        own language and in each language it has translations into. Found through the
        content model; a name not here is never looked up on disk."""
        from ..project import edition_path
        from ..translations import languages
        content = self.content()
        topic = content.topics.get(topic_id)
        if topic is None and topic_id not in content.broken:
            return {}
        langs = languages(topic) if topic else []
        own = langs[0] if langs else None
        found = {}
        for edition in content.editions.values():
            for lang in [None] + [lang for lang in langs if lang != own]:
                relative = edition_path(topic_id, edition, lang)
                found[relative.rpartition("/")[2]] = BuiltFile(edition, lang or own or "", relative)
        return found

    def built_file(self, topic_id: str, name: str) -> Path | None:
        """The built file of a topic with this name (see `outputs_of`); None if it is not
        built, or if the path (or a link on it) leads outside the output folder."""
        known = self.outputs_of(topic_id).get(name)
        return inside(self.out_dir, known.relative) if known else None


@dataclass(frozen=True)
class BuiltFile:
    """A file a build makes of a topic: its edition, its language and where it lands."""

    edition: Edition
    lang: str
    relative: str  # <topic>/<file name>, inside the output folder


def inside(root: Path, relative: str) -> Path | None:
    """root/relative if it is a regular file whose real path is inside root, and no part of
    the path below root is a link; else None."""
    root = Path(root).resolve()
    path = root / relative
    part = root
    for name in Path(relative).parts:
        part = part / name
        if name in ("..", ".") or part.is_symlink():
            return None
    if not path.is_file() or root not in path.resolve().parents:
        return None
    return path


def _source():
    from ..model import SourceRef
    return SourceRef(Path(SOURCE))

