"""Benchmark of issue 13: `python benchmarks/serve_bench.py` (about a minute).

A two-page custom patient handout (the bundled topic's depression and exercise sections),
made two ways in one run, on a copy of the project:
- warm: POST /summary to a running `publish serve` (one process, renderer already loaded),
  timed from the client, request to last byte: rendered (a new title each time, so inputs
  the server has not seen), and the same request again (answered from memory);
- cold: `publish summary` in a new process, as staff run it today.
Medians of --runs runs after one warm-up each, both printed, with the load of the machine
(the two cores are shared: compare the two figures of one run, not figures of two runs),
the CPU time of the cold command, and whether both ways gave the same bytes (they should:
same input, same bytes). The issue's target: warm median <= 0.35 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import ROOT, TOPIC, project_copy  # noqa: E402 (the benchmark beside this one: one copy of the project set-up)

SECTIONS = ("depression", "exercise-and-neuroplasticity")
DEFAULT_TITLE = "Neuroplasticity and Mental Health: Depression and your brain; Exercise"  # what the file is called
TARGET = 0.35


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.read().decode("utf-8")


def post(url: str, fields) -> bytes:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=120) as r:
        return r.read()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_of(label: str, fn, runs: int) -> tuple[float, list[float]]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  {label:52} median {median:6.3f} s  (runs: {', '.join(f'{t:.3f}' for t in times)})", flush=True)
    return median, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    publish = [sys.executable, str(ROOT / "publish.py")]
    print(f"clinic-handouts serve benchmark, {dt.date.today()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"a two-page patient handout: {TOPIC}, sections {', '.join(SECTIONS)}; {args.runs} runs after 1 warm-up")
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        root = project_copy(Path(tmp) / "project")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(publish + ["serve", "--root", str(root), "--port", str(port), "--no-watch"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:  # up, and the preview's first build (which uses the same cores) done
                try:
                    home = get(url + "/")
                    if "Last build:" in home and "Building" not in home:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the server did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            fields = [("topic", TOPIC), ("audience", "patient")] + [("section", s) for s in SECTIONS]
            warm_bytes = post(url + "/summary", fields)
            runs = iter(range(1000))
            # The default title with a number after it: the same two pages laid out the same
            # way (the layout's cost depends on how the title wraps), but inputs the server has
            # not seen, so every request is rendered (the same inputs again come from memory).
            titled = lambda: post(url + "/summary", fields + [("title", f"{DEFAULT_TITLE} {next(runs)}")])  # noqa: E731
            cpu_before = process_cpu(server.pid)
            warm, _ = median_of("warm: POST /summary, rendered (new inputs)", titled, args.runs)
            server_cpu = (process_cpu(server.pid) - cpu_before) / (args.runs + 1)
            again, _ = median_of("warm: POST /summary, the same inputs again", lambda: post(url + "/summary", fields),
                                 args.runs)
        finally:
            server.terminate()
            server.wait(10)
        out = Path(tmp) / "cold.pdf"
        cold_cmd = publish + ["summary", TOPIC, "--root", str(root), "--audience", "patient",
                              *[a for s in SECTIONS for a in ("--section", s)], "-o", str(out)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cold, times = median_of("cold: publish summary (new process)",
                                lambda: subprocess.run(cold_cmd, check=True, stdout=subprocess.DEVNULL,
                                                       stderr=subprocess.DEVNULL), args.runs)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = ((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)) / (len(times) + 1)
        same = out.read_bytes() == warm_bytes
    print(f"  CPU time per handout (user+sys, mean): server {server_cpu:.3f} s, cold command {cpu:.3f} s; "
          f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"  same bytes both ways: {same}")
    print("\n| two-page patient handout, median | server | cold command | server / cold | target | met |\n"
          "|---|---|---|---|---|---|")
    print(f"| rendered (inputs not seen before) | {warm:.3f} s | {cold:.3f} s | {warm / cold:.2f} | "
          f"<= {TARGET} s | {'yes' if warm <= TARGET else 'no'} |")
    print(f"| the same inputs again (from memory) | {again:.3f} s | {cold:.3f} s | {again / cold:.2f} | "
          f"<= {TARGET} s | {'yes' if again <= TARGET else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
