"""The live preview: build on start and on every save, keep each topic's last build, and
tell the open pages.

A save under source/ (a topic's files, editions.yaml, the clinic profiles) or layouts/ is
seen by watchfiles; the topics it touches are built again with `build.build_editions`,
whose cache renders only the outputs whose inputs changed, in this process (the renderer
is warm). A build that fails replaces nothing (the library's all-or-nothing write): the
page shows its findings and keeps serving the last good files. Every finished build bumps
`version`; the pages listen on /events (server-sent events) and fetch themselves again.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PublishError
from ..findings import Severity
from ..model import Edition, Output
from .site import Site

#: How long watchfiles waits for a burst of writes (an editor's save) to end.
DEBOUNCE_MS = 80
#: Built after the web pages (format html) and before the other editions, each step shown
#: as soon as it is on disk: what an editor checks first.
FIRST = ("patient-handout",)


@dataclass
class TopicState:
    """What the preview knows of one topic: its last build and what it found."""

    id: str
    built_at: dt.datetime | None = None
    building: bool = False
    ok: bool | None = None  # None: not built by this server yet
    failure: str = ""  # the one-line summary of a failed build
    findings: list = field(default_factory=list)
    outputs: dict[str, Output] = field(default_factory=dict)  # file name -> the file on disk
    rendered: tuple[str, ...] = ()  # file names the last build rendered (the others were up to date)
    readings: dict[str, tuple[Edition, object]] = field(default_factory=dict)  # file name -> (edition, Reading)
    seconds: float | None = None

    @property
    def errors(self) -> int:
        """How many findings of the last build are errors."""
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)


class Preview:
    """The builds of the live preview and the pages waiting to hear of them."""

    def __init__(self, site: Site):
        self.site = site
        self.states: dict[str, TopicState] = {}
        self.version = 0
        self._listeners: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._build_lock = threading.Lock()

    # -- listening pages ----------------------------------------------------------------
    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop the listening pages wait in (builds run in other threads)."""
        self._loop = loop

    def subscribe(self) -> asyncio.Queue:
        """A queue that receives the preview's version after every build."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=16)
        self._listeners.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop sending versions to a page that went away."""
        self._listeners.discard(queue)

    def _changed(self) -> None:
        """Called from the build thread: bump the version in the event loop's thread."""
        try:
            self._loop.call_soon_threadsafe(self._bump)
        except (AttributeError, RuntimeError):  # no loop yet, or the server has stopped
            self.version += 1

    def _bump(self) -> None:
        self.version += 1
        for queue in list(self._listeners):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(self.version)

    # -- building -----------------------------------------------------------------------
    def topic_ids(self) -> list[str]:
        """Every topic of the project, those whose content has errors included."""
        content = self.site.content()
        return sorted({*content.topics, *content.broken})

    def build(self, topics: list[str] | None = None, *, force: bool = False) -> None:
        """Build the named topics (default: all), one after the other, with the warm renderer."""
        with self._build_lock:
            for topic_id in (topics or self.topic_ids()):
                state = self.states.setdefault(topic_id, TopicState(topic_id))
                state.building = True
                self._changed()
                try:
                    self._build_topic(state, force=force)
                finally:
                    state.building = False
                    self._changed()

    def _build_topic(self, state: TopicState, *, force: bool) -> None:
        """Build a topic in steps, each shown as soon as its files are on disk: the web page
        (fastest), the patient handout, then every edition (the cache skips what the first
        steps built). Each step writes all or nothing."""
        from ..build import BuildOptions, build_editions
        site = self.site
        started = dt.datetime.now()
        before = {eid: _stamp(o.path) for eid, o in state.outputs.items()}
        editions = site.content().editions
        steps = [[e.id for e in editions.values() if e.format == "html"], [e for e in FIRST if e in editions]]
        steps = [step for step in steps if step and len(step) < len(editions)] + [None]
        new_findings: list = []
        readings: dict = {}
        for step in steps:
            try:
                with site.render_lock:
                    result = build_editions(site.project, BuildOptions(
                        topics=(state.id,), editions=tuple(step or ()), out_dir=site.out_dir,
                        topic_dirs=site.topic_dirs, force=force, jobs=1))
            except PublishError as exc:
                state.ok, state.failure = False, str(exc)
                state.findings = new_findings + [f for f in exc.findings if f not in new_findings]
                break
            new_findings += [f for f in result.findings if f not in new_findings]
            readings.update({_name(o): (edition, reading) for o, edition, reading in result.readings})
            outputs = {**state.outputs, **{_name(o): o for o in result.outputs}}
            rendered = tuple(eid for eid, o in outputs.items()
                             if force or before.get(eid) != _stamp(o.path) or eid not in before)
            kept = [f for f in state.findings if state.ok and _about(f, outputs, rendered)]
            state.ok, state.failure = True, ""
            state.findings = new_findings + [f for f in kept if f not in new_findings]
            state.outputs, state.rendered = outputs, rendered
            state.readings = {eid: v for eid, v in state.readings.items() if eid not in rendered and eid in outputs}
            state.readings.update(readings)
            state.built_at = dt.datetime.now()
            state.seconds = (state.built_at - started).total_seconds()
            if step is not None:
                self._changed()  # the first files are on disk: the pages show them now
        self._measure_missing(state)
        state.built_at = dt.datetime.now()
        state.seconds = (state.built_at - started).total_seconds()

    def _measure_missing(self, state: TopicState) -> None:
        """Reading levels of patient files that were up to date at the first build (the
        cache records only the whole text's level): measured on the file on disk, each as the
        build selects it (a file in another language in it, a bilingual file in both)."""
        from .. import translations
        from ..project import output_name
        from ..verify import readability
        content = self.site.content()
        topic = content.topics.get(state.id)
        if topic is None:
            return
        docs, _ = translations.plan(topic, [e for e in content.editions.values() if readability.has_targets(e)])
        by_file = {Path(output_name(d)).name: d for d in docs}
        for eid, out in state.outputs.items():
            doc = by_file.get(Path(out.path).name)
            if eid in state.readings or doc is None:
                continue
            try:
                reading = readability.measure(doc, Path(out.path).read_bytes())
            except (PublishError, OSError, ValueError):
                continue
            state.readings[eid] = (doc.edition, reading)

    # -- watching -----------------------------------------------------------------------
    def watched(self) -> list[Path]:
        """The folders a save in which rebuilds: source/, layouts/ and every --topic-dir."""
        site = self.site
        return [p for p in (site.project.source_dir, site.project.layouts_dir, *site.topic_dirs) if p.is_dir()]

    def topics_of(self, paths: set[Path]) -> list[str] | None:
        """The topics a set of changed files touches: a file in a topic folder, that topic;
        anything else (editions.yaml, a clinic profile, a layout): every topic."""
        from ..project import topic_folders
        try:
            folders = topic_folders(self.site.project, self.site.topic_dirs)
        except PublishError:
            return None
        touched = set()
        for path in paths:
            owner = next((tid for tid, folder in folders.items() if Path(path).is_relative_to(folder)), None)
            if owner is None:
                return None
            touched.add(owner)
        return sorted(touched)

    async def watch(self, stop: asyncio.Event) -> None:
        """Rebuild on every save until `stop` is set."""
        from watchfiles import awatch
        async for changes in awatch(*self.watched(), debounce=DEBOUNCE_MS, step=20, stop_event=stop):
            topics = self.topics_of({Path(p) for _, p in changes})
            await asyncio.to_thread(self.build, topics)


def _stamp(path) -> tuple | None:
    try:
        st = Path(path).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _name(output: Output) -> str:
    return Path(output.path).name


def _about(f, outputs: dict[str, Output], rendered) -> bool:
    """Whether an earlier finding is about a file this build left as it was."""
    names = {Path(o.path).name for eid, o in outputs.items() if eid not in rendered}
    return bool(f.file) and Path(f.file).name in names
