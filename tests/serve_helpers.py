"""Helpers of the `publish serve` tests: a small project to serve, and a real server on it.

The project holds the tiny fixture topic (two-page handouts, fast to build), the real
editions and layouts, the default clinic profile and one more in source/clinics/.
"""
from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import time
from pathlib import Path

from publisher.project import Project

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "topics" / "tiny"
SLEEP = ROOT / "tests" / "fixtures" / "topics" / "sleep-hygiene"
CLINICS = ROOT / "tests" / "fixtures" / "clinics"


def make_project(folder: Path, *, sleep: bool = True, translations: bool = False,
                 translated_copy: bool = False) -> Project:
    """A project folder with the tiny topic (and the sleep-hygiene topic, with subsections),
    the real editions and layouts, and two clinic profiles."""
    (folder / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "layouts", folder / "layouts")
    shutil.copy(ROOT / "source" / "editions.yaml", folder / "source" / "editions.yaml")
    shutil.copy(ROOT / "source" / "clinic.yaml", folder / "source" / "clinic.yaml")
    # Without its Spanish translations unless asked: tests that edit the English text would
    # make them stale (n-001).
    shutil.copytree(TINY, folder / "source" / "tiny",
                    ignore=None if translations else shutil.ignore_patterns("*.es.md", "*.es.yaml"))
    if translated_copy:  # another topic, "tiny-es": the tiny topic with its Spanish translations, never edited
        shutil.copytree(TINY, folder / "source" / "tiny-es")
    if sleep:
        shutil.copytree(SLEEP, folder / "source" / "sleep-hygiene")
    (folder / "source" / "clinics").mkdir()
    shutil.copy(CLINICS / "riverside.yaml", folder / "source" / "clinics" / "riverside.yaml")
    shutil.copy(CLINICS / "riverside-logo.svg", folder / "source" / "clinics" / "riverside-logo.svg")
    return Project(folder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app in a thread of the test process, on a free loopback port."""

    def __init__(self, app, host: str = "127.0.0.1"):
        import uvicorn
        self.host, self.port = host, free_port()
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(app, host=host, port=self.port, log_level="warning", lifespan="on",
                                timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.run(self.server.serve())

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def wait_for(predicate, timeout: float = 60.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")
