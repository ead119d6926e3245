"""Where jobs run: this process, a local process pool, or a Dask cluster, all behind the
standard `concurrent.futures.Executor` interface (`executor_for`), and `run_all`, which runs
a pure function over a list of jobs on one of them and hands the results back in the
list's order, so results, findings and progress do not depend on which worker finished
first. `build`, `summary --batch` and the web server's builds all run `job.run_job` here.
"""
from __future__ import annotations

import os
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence


class SerialExecutor(Executor):
    """Runs each job in this process when it is submitted (the `--jobs 1` executor): the
    same code path as a pool, with no process start and no pickling."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        """Run `fn(*args, **kwargs)` now; the returned future holds its result or exception."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed over to whoever reads the future
            future.set_exception(exc)
        return future


def worker_count(jobs: int | None, work: int) -> int:
    """How many processes to use for `work` jobs: `jobs` (None: the machine's cores), at most
    one per job, at least one."""
    wanted = (os.cpu_count() or 1) if jobs is None else max(1, jobs)
    return max(1, min(wanted, work))


@contextmanager
def executor_for(jobs: int | None, *, work: int, scheduler: str | None = None,
                 tasks_per_worker: int | None = None) -> Iterator[Executor]:
    """An executor for `work` jobs, shut down when the block ends.

    `scheduler` ("tcp://HOST:PORT"): a Dask distributed cluster's executor (its workers need
    only this package installed). Else a local process pool of `worker_count(jobs, work)`
    workers, or this process when that is one. `tasks_per_worker`: a pool worker is replaced
    after that many jobs (renderer caches grow with every document; a fresh worker keeps the
    peak memory flat)."""
    if scheduler:
        from distributed import Client  # only a run on a cluster needs Dask
        client = Client(scheduler)
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    workers = worker_count(jobs, work)
    if workers <= 1:
        yield SerialExecutor()
        return
    pool = process_pool(workers, tasks_per_worker=tasks_per_worker)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_all(executor: Executor, fn: Callable, items: Sequence, *, window: int | None = None
            ) -> Iterator[tuple[int, object]]:
    """Run `fn(item)` for every item on `executor`; yield (index, result) in the items' order,
    whichever worker finishes first, so what the caller does with the results does not depend
    on timing.

    The first `window` jobs (default: all) are submitted at once, when this is called; one
    more each time a result is handed on, so at most `window` results wait in memory. An
    exception raised by `fn` is raised here when its result's turn comes."""
    items = list(items)
    futures: dict[int, Future] = {}
    for index in range(min(len(items), window or len(items))):
        futures[index] = executor.submit(fn, items[index])

    def results() -> Iterator[tuple[int, object]]:
        following = len(futures)
        for index in range(len(items)):
            result = futures.pop(index).result()
            if following < len(items):
                futures[following] = executor.submit(fn, items[following])
                following += 1
            yield index, result

    return results()


def process_pool(workers: int, *, tasks_per_worker: int | None = None) -> Executor:
    """A local process pool whose workers die with this process: when it ends in any way
    (kill -9, the out-of-memory killer, a CI runner ending the job), no worker stays behind
    holding the build's output streams open."""
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=tasks_per_worker,
                               initializer=die_with_parent, initargs=(os.getpid(),))


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """In a worker: end when `parent` ends. On Linux the kernel sends SIGKILL on the parent's
    death (prctl PR_SET_PDEATHSIG); elsewhere a daemon thread checks every second whether the
    worker was handed to another parent. A parent already gone before this ran ends it now."""
    import signal
    import sys

    from .output import forget_locks
    forget_locks()  # a forked worker's copy of the build's output-folder lock
    armed = False
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
