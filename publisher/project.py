"""A project: where its folders are, its editions and topics, and where each output lands.

Nothing here renders: `publish list`, the cache and the batch coordinator use it without
loading jinja2 or WeasyPrint.
"""
from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from . import read
from .editions import read_editions
from .errors import ContentError, EditionError, OutputError
from .findings import finding, shown_path
from .model import Edition, SelectedDocument, SourceRef, Topic
from .formats import FORMATS


@dataclass(frozen=True)
class Project:
    """Where a project's folders are."""

    root: Path

    @property
    def source_dir(self) -> Path:
        """source/: the topics, editions.yaml and the default clinic profile."""
        return self.root / "source"

    @property
    def layouts_dir(self) -> Path:
        """layouts/: templates, stylesheets and fonts."""
        return self.root / "layouts"

    @property
    def editions_file(self) -> Path:
        """source/editions.yaml."""
        return self.source_dir / "editions.yaml"

    @property
    def default_clinic(self) -> Path:
        """source/clinic.yaml: the clinic profile used without --clinic."""
        return self.source_dir / "clinic.yaml"

    @property
    def out_dir(self) -> Path:
        """handouts/: the default output folder."""
        return self.root / "handouts"


def load_editions(project: Project) -> dict[str, Edition]:
    """The project's editions (source/editions.yaml) by id. Raises ContentError with every problem."""
    return read_editions(project.editions_file, project.layouts_dir)


def load_topics(project: Project, names: Iterable[str] | None = None,
                extra_dirs: Iterable[Path] = ()) -> dict[str, Topic]:
    """Read the named topics (default: all under source/ and extra_dirs), by id. Raises
    ContentError with the problems of all of them together, EditionError for an unknown
    name, OutputError (o-002) for two topic folders of one name."""
    by_name = topic_folders(project, extra_dirs)
    folders = list(by_name.values())
    if names:
        missing = [n for n in names if n not in by_name]
        if missing:
            raise EditionError(f"unknown topic {', '.join(missing)}; topics: {', '.join(sorted(by_name)) or 'none'}",
                               code="u-004", source=SourceRef(shown_path(project.source_dir)))
        folders = [by_name[n] for n in names]
    topics, problems = {}, []
    for folder in folders:
        try:
            topics[folder.name] = read.read_topic(folder)
        except ContentError as exc:
            problems += exc.findings
    if problems:
        raise ContentError(problems)
    return topics


def topic_folders(project: Project, extra_dirs: Iterable[Path] = ()) -> dict[str, Path]:
    """{topic id: folder} of every topic under source/ and extra_dirs (nothing is read)."""
    folders = read.find_topics(project.source_dir)
    missing = [Path(extra) for extra in extra_dirs if not Path(extra).is_dir()]
    if missing:  # a mistyped --topic-dir would otherwise build the other topics without a word
        raise ContentError([finding("c-016", "the topic folder given with --topic-dir does not exist",
                                    source=SourceRef(shown_path(extra)),
                                    hint="Check the path: --topic-dir names a topic folder (with topic.yaml) "
                                         "or a folder of topic folders.") for extra in missing])
    empty = []
    for extra in extra_dirs:
        found = read.find_topics(Path(extra)) if not (Path(extra) / "topic.yaml").exists() else [Path(extra)]
        if not found:
            empty.append(Path(extra))
        folders += found
    if empty:  # a folder without any topic.yaml would otherwise add nothing without a word
        raise ContentError([finding("c-016", "the folder given with --topic-dir holds no topic (no topic.yaml in it "
                                             "or in its folders)", source=SourceRef(shown_path(extra)),
                                    hint="Name a topic folder (with topic.yaml and sections/) or a folder of topic "
                                         "folders.") for extra in empty])
    # '.' or '..' get their real names; a linked topic folder keeps its link's name.
    folders = [Path(os.path.normpath(f.absolute())) for f in folders]
    by_name: dict[str, Path] = {}
    for folder in folders:
        other = by_name.setdefault(folder.name, folder)
        if other != folder:
            # Both would be built into <out>/<id>/<id>-*.*: one would overwrite the other.
            raise OutputError(f"two topics are called '{folder.name}'", [finding(
                "o-002", f"two topics are called '{folder.name}' ({shown_path(other)} and {shown_path(folder)}); "
                "their outputs would write the same files", source=SourceRef(shown_path(folder)),
                hint="Rename one of the topic folders.")])
    return by_name


def pick_editions(all_editions: dict[str, Edition], names: Iterable[str] | None = None, *,
                  file: Path | None = None) -> list[Edition]:
    """The editions named (each once, in the order given), or all. Raises EditionError with
    a `d-002` finding per unknown name (naming `file`, the editions file, with the closest
    edition and the list)."""
    if not names:
        return list(all_editions.values())
    missing = [n for n in names if n not in all_editions]
    if missing:
        known = ", ".join(all_editions)
        problems = []
        for name in missing:
            close = difflib.get_close_matches(name, list(all_editions), n=1)
            guess = f"Did you mean '{close[0]}'? " if close else ""
            problems.append(finding("d-002", f"unknown edition '{name}'", hint=f"{guess}Editions: {known}.",
                                    source=SourceRef(str(shown_path(file))) if file else None))
        raise EditionError(f"unknown edition {', '.join(missing)}; nothing was built", problems)
    return [all_editions[n] for n in dict.fromkeys(names)]  # naming one twice builds it once


def build_timestamp(topic: Topic, environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """The date written into outputs: SOURCE_DATE_EPOCH when set (reproducible-builds.org),
    else the topic's review date. Never the clock: same input, same bytes."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ContentError([finding("c-009", f"SOURCE_DATE_EPOCH='{epoch}' is not a date",
                                        hint="Set it to whole seconds since 1970-01-01 UTC, "
                                             "e.g. 1767225600, or unset it.")]) from None
    return dt.datetime.combine(topic.reviewed, dt.time(0, 0), dt.timezone.utc)


def output_name(doc: SelectedDocument) -> str:
    """Where a document lands: <topic>/<topic>-<edition>.<ext> (<topic>-<edition>.<lang>.<ext> in
    a language other than the topic's own), and -<paper> before the
    extension when it is printed on another paper than its edition's (`--paper a4`), so
    the two never overwrite each other."""
    paper = doc.paper if doc.paper and doc.edition.paper and doc.paper != doc.edition.paper else None
    return edition_path(doc.topic.id, doc.edition, doc.topic.language if doc.topic.source_language else None,
                        paper=paper)


def edition_path(topic_id: str, edition: Edition, lang: str | None = None, *, paper: str | None = None) -> str:
    """Where an edition of a topic lands, relative to the output folder: <topic>-<edition>.<ext>,
    or <topic>-<edition>.<lang>.<ext> in a language other than the topic's own; -<paper>
    after the edition on a paper other than the edition's (<topic>-<edition>-a4.es.pdf)."""
    return (f"{topic_id}/{topic_id}-{edition.id}{'-' + paper if paper else ''}{'.' + lang if lang else ''}"
            f"{FORMATS[edition.format].extension}")


def digital_path(topic_id: str, editions: dict[str, Edition], *, lang: str | None = None,
                 topic: Topic | None = None) -> str | None:
    """What a printed handout's QR code opens: the whole-topic web page (else EPUB) of a topic.

    A file in another language than the topic's own (`lang`; `topic`: the topic as read, with
    its translations) opens the digital version in that language when the topic's
    translations cover one: the whole-topic web page (else EPUB) in it, else a bilingual
    digital edition with it as second language (the bundled topic's Spanish handout opens the
    English/Spanish web page); failing both, the topic's own."""
    ranked = sorted((FORMATS[e.format].digital_rank, index, e) for index, e in enumerate(editions.values())
                    if FORMATS[e.format].digital_rank is not None)
    own = [e for _, _, e in ranked if e.audience is None]
    if lang and topic is not None and lang != topic.language:
        from . import translations
        whole, bilingual = translations.covered(topic, own, lang), translations.covered(
            topic, [e for _, _, e in ranked if e.bilingual and translations.same_language(e.bilingual, lang)], lang)
        if whole:
            return edition_path(topic_id, whole[0], lang)
        if bilingual:
            return edition_path(topic_id, bilingual[0])
    return edition_path(topic_id, own[0]) if own else None


def pdf_file_name(doc: SelectedDocument) -> str:
    """The printed edition's file name, which an EPUB's page list names (pageBreakSource)."""
    return output_name(doc).rpartition("/")[2]
