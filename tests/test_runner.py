"""The one job runner and the one all-or-nothing collector, on their own (no rendering)."""
from __future__ import annotations

import os
import time

import pytest

from publisher.collect import Collector
from publisher.errors import ChecksFailed, TemplateError
from publisher.findings import finding
from publisher.job import JobResult
from publisher.output import OutputWriter
from publisher.runner import SerialExecutor, executor_for, run_all


def slow_echo(item):
    """Sleeps longer for earlier items, so a pool finishes them last."""
    number, delay = item
    time.sleep(delay)
    return number


def pid_of(_item) -> int:
    return os.getpid()


def fail_on_two(item):
    if item == 2:
        raise ValueError("two")
    return item


def test_results_come_back_in_the_items_order_whichever_finishes_first():
    items = [(0, 0.6), (1, 0.3), (2, 0.0), (3, 0.0)]
    with executor_for(2, work=len(items)) as pool:
        assert [(i, r) for i, r in run_all(pool, slow_echo, items)] == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_at_most_a_window_of_jobs_is_submitted_ahead():
    calls = []
    results = run_all(SerialExecutor(), lambda item: calls.append(item) or item, range(10), window=3)
    assert calls == [0, 1, 2]  # submitted when run_all is called
    assert next(results) == (0, 0) and calls == [0, 1, 2, 3]  # one more for each result handed on
    assert [r for _, r in results] == list(range(1, 10))


def test_an_exception_is_raised_at_its_turn():
    results = run_all(SerialExecutor(), fail_on_two, range(4))
    assert [next(results), next(results)] == [(0, 0), (1, 1)]
    with pytest.raises(ValueError, match="two"):
        next(results)


def test_one_worker_is_this_process_and_workers_are_replaced_after_their_tasks():
    with executor_for(1, work=5) as serial:
        assert isinstance(serial, SerialExecutor)
        assert {pid for _, pid in run_all(serial, pid_of, range(3))} == {os.getpid()}
    with executor_for(2, work=6, tasks_per_worker=1) as pool:
        pids = {pid for _, pid in run_all(pool, pid_of, range(6), window=2)}
    assert os.getpid() not in pids and len(pids) > 2  # each worker did one job, then a fresh one came


def _result(data=b"x", failure=None, code="p-001"):
    return JobResult(data=data if failure is None else None, findings=(finding(code, f"{code} here"),) if failure
                     else (), failure=failure)


def test_the_collector_writes_all_or_nothing(tmp_path, project):
    from publisher.project import load_editions, load_topics
    from publisher.select import select_sections
    from conftest import SLEEP_TOPIC
    doc = select_sections(load_topics(project, ["sleep-hygiene"], [SLEEP_TOPIC])["sleep-hygiene"],
                          load_editions(project)["web"])
    writer = OutputWriter(tmp_path)
    with Collector(writer) as collector:
        collector.add(1, tmp_path / "b.html", doc, _result(b"second"))
        collector.add(0, tmp_path / "a.html", doc, _result(b"first"))
        result = collector.commit()
    assert [o.path.name for o in result.outputs] == ["a.html", "b.html"]  # in key order
    assert (tmp_path / "a.html").read_bytes() == b"first"
    # One failed output: nothing is replaced, the staged files are gone, a template error wins.
    with Collector(OutputWriter(tmp_path)) as collector, pytest.raises(TemplateError) as failed:
        collector.add(0, tmp_path / "a.html", doc, _result(b"new"))
        collector.add(1, tmp_path / "c.html", doc, _result(failure="checks", code="h-001"))
        collector.add(2, tmp_path / "d.html", doc, _result(failure="template", code="t-001"))
        collector.commit()
    assert [f.code for f in failed.value.findings] == ["h-001", "t-001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html"]
    assert (tmp_path / "a.html").read_bytes() == b"first"
    with Collector(OutputWriter(tmp_path)) as collector, pytest.raises(ChecksFailed):
        collector.add(0, tmp_path / "c.html", doc, _result(failure="checks", code="h-001"))
        collector.commit()
