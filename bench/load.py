"""Driving a server: with wrk from a list of prepared requests (bench/wrk/entries.lua), or one
request at a time."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from bench.settings import BENCH_DIR

LUA_SCRIPT = BENCH_DIR / "wrk" / "entries.lua"
# One wrk thread: wrk shares the two cores with the server, and one thread sends far more
# than these servers answer.
WRK_THREADS = 1


@dataclass(frozen=True)
class Entry:
    """One HTTP request as wrk sends it."""

    method: str
    path: str
    cookie: str = ""
    body: str = ""  # form-encoded

    def line(self) -> str:
        fields = (self.method, self.path, self.cookie, self.body)
        if any("\t" in field or "\n" in field for field in fields):
            raise ValueError("an entry may not contain tabs or line breaks")
        return "\t".join(fields)


@dataclass(frozen=True)
class LoadResult:
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    responses: dict[str, int]  # ok, redirect_expected, redirect_other, client_error, ...
    socket_errors: dict[str, int]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    return found


def drive(
    base_url: str,
    entries: list[Entry],
    *,
    connections: int,
    seconds: int,
    expected_location: str = "",
) -> LoadResult:
    """Send the entries in turn over `connections` connections for `seconds`."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        entries_file = Path(folder) / "entries.tsv"
        entries_file.write_text("".join(entry.line() + "\n" for entry in entries))
        command = [
            wrk_path(),
            f"--threads={min(WRK_THREADS, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=60s",  # a slow answer is a slow answer, not an error
            f"--script={LUA_SCRIPT}",
            base_url,
            "--",
            str(entries_file),
            str(min(WRK_THREADS, connections)),
            expected_location,
        ]
        finished = subprocess.run(  # noqa: S603 - a fixed command line
            command, capture_output=True, text=True, check=False
        )
    if finished.returncode != 0:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    return _parse(finished.stdout, connections)


def _parse(output: str, connections: int) -> LoadResult:
    line = next((ln for ln in output.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return LoadResult(
        connections=connections,
        seconds=round(seconds, 2),
        requests=raw["requests"],
        rps=round(raw["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        mean_ms=round(latency["mean"] / 1000, 3),
        responses=raw["responses"],
        socket_errors=raw["socket_errors"],
    )


def one_at_a_time(base_url: str, cookies: list[str], path: str, samples: int) -> dict[str, Any]:
    """Each request timed alone (the time one client waits), the signed-in browsers' cookies
    taken in turn.

    One kept-alive connection, so one worker answers them all; its first answer is not
    counted (a worker's first PDF loads fonts and styles, once in its lifetime)."""
    http = requests.Session()

    def download(cookie: str) -> tuple[float, int]:
        started = time.perf_counter()
        response = http.get(base_url + path, headers={"Cookie": cookie}, timeout=120)
        return (time.perf_counter() - started) * 1000, response.status_code

    download(cookies[0])
    took, statuses = [], Counter[str]()
    for number in range(samples):
        milliseconds, status = download(cookies[number % len(cookies)])
        took.append(milliseconds)
        statuses["ok" if status == 200 else f"status_{status}"] += 1
    took.sort()
    return {
        "connections": 1,
        "requests": samples,
        "rps": round(samples / (sum(took) / 1000), 2),
        "p50_ms": round(statistics.median(took), 1),
        "p90_ms": round(took[int(0.9 * (samples - 1))], 1),
        "p99_ms": round(took[int(0.99 * (samples - 1))], 1),
        "max_ms": round(took[-1], 1),
        "responses": dict(statuses),
        "unexpected_responses": samples - statuses["ok"],
    }
