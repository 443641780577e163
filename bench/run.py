"""`make bench`: the portal under load against a bare Flask ceiling, the import, page weights
and the audit chain, into bench/results/latest.json and a table on stdout.

    .venv/bin/python -m bench.run        # knobs: bench/settings.py (BENCH_* variables)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any, TypeVar

import redis
from flask import Flask
from sqlalchemy import text

from bench import audit_verify, pages, report
from bench.bad_rows import bad_rows_export, timed_bad_import
from bench.dataset import (
    flask,
    portal_environment,
    recreate_database,
    synthetic_export,
    timed_import,
)
from bench.load import drive, one_at_a_time, wrk_path
from bench.seed import Seeded, bench_staff, reseed, seed
from bench.servers import check_port, gunicorn, gunicorn_settings
from bench.settings import PROJECT_ROOT, Knobs, load
from bench.visitors import Browser, SignedIn, sign_in_client, sign_in_staff
from bench.weights import page_weight

T = TypeVar("T")
SIGN_IN_THREADS = 4


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(message: str, action: Callable[[], T]) -> T:
    step(message)
    started = time.perf_counter()
    value = action()
    step(f"  done in {time.perf_counter() - started:.1f} s")
    return value


def machine() -> dict[str, object]:
    commit = subprocess.run(
        ["/usr/bin/git", "describe", "--always", "--dirty"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "load_average_start": os.getloadavg(),
        "python": platform.python_version(),
        "wrk": subprocess.run(  # noqa: S603 - a fixed command line
            [wrk_path(), "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0],
        "commit": commit,
    }


def run_scenario(
    base_url: str, scenario: pages.Scenario, knobs: Knobs, connections: int | None = None
) -> dict[str, Any]:
    connections = connections or knobs.connections
    if knobs.warmup:
        warmup = scenario.warmup_entries or scenario.entries
        drive(base_url, warmup, connections=connections, seconds=knobs.warmup)
    step(f"  {scenario.label}: {connections} connections, {knobs.duration} s")
    result = drive(
        base_url,
        scenario.entries,
        connections=connections,
        seconds=knobs.duration,
        expected_location=scenario.expected_location,
    )
    expected = "redirect_expected" if scenario.expected_location else "ok"
    unexpected = result.requests - result.responses.get(expected, 0)
    if unexpected:
        step(f"  WARNING: {unexpected} of {result.requests} responses were not the page")
    return {
        "label": scenario.label,
        **result.as_dict(),
        "unexpected_responses": unexpected,
        "distinct_requests": len(scenario.entries),
    }


def signed_in(base_url: str, seeded: Seeded) -> tuple[list[SignedIn], list[SignedIn]]:
    with ThreadPoolExecutor(SIGN_IN_THREADS) as pool:
        clients = list(pool.map(lambda c: sign_in_client(base_url, c), seeded.pool))
        staff = list(pool.map(lambda e: sign_in_staff(base_url, e), seeded.staff_emails))
    return clients, staff


def portal_pages(app: Flask, knobs: Knobs, seeded: Seeded, base_url: str) -> dict[str, Any]:
    clients, staff = timed(
        "signing in clients and staff over HTTP", lambda: signed_in(base_url, seeded)
    )
    items = pages.correctable_items(app, [c.personal_id or "" for c in clients])
    results = {}
    for scenario in (
        pages.notice(),
        pages.record(clients),
        pages.queue(staff),
        pages.pdf(clients),
    ):
        results[scenario.key] = run_scenario(base_url, scenario, knobs)
    cookies = [client.cookie for client in clients]
    results["pdf_single"] = {
        "label": "record PDF, one at a time",
        **timed(
            f"record PDF, one at a time: {knobs.pdf_samples} downloads",
            lambda: one_at_a_time(base_url, cookies, pages.PDF_PATH, knobs.pdf_samples),
        ),
    }
    # Last: these write (a correction request per POST) and change the records.
    for scenario in (pages.correction_check(clients), pages.correction_send(clients, items)):
        results[scenario.key] = run_scenario(base_url, scenario, knobs)
    return {"pages": results, "weights": weights(base_url, clients[0])}


def weights(base_url: str, client: SignedIn) -> dict[str, Any]:
    anonymous, signed = Browser(base_url), Browser(base_url, client.cookie)
    return {
        pages.NOTICE_PATH: page_weight(anonymous, pages.NOTICE_PATH),
        "/my-page": page_weight(signed, "/my-page"),
        pages.RECORD_PATH: page_weight(signed, pages.RECORD_PATH),
    }


def prepare(knobs: Knobs, env: dict[str, str]) -> tuple[dict[str, Any], Flask, Seeded]:
    """The export, a fresh database, the timed import, the seeded requests and accounts."""
    imported: dict[str, Any] = {"seconds": None, "skipped": True}
    imported_bad: dict[str, Any] = {"seconds": None, "skipped": True}
    export_rows = None
    if not knobs.reuse_database:
        export = timed(
            f"synthetic export of {knobs.clients:,} clients", lambda: synthetic_export(knobs)
        )
        export_rows = export.rows
        # The import with 10% bad rows first, into a database of its own; then the clean one,
        # which the pages are measured on.
        bad = timed("the export with 10% bad rows", lambda: bad_rows_export(export))
        timed(f"fresh database {knobs.database}", lambda: recreate_database(knobs))
        flask(env, "db", "upgrade")
        imported_bad = timed(
            "timed import with 10% bad rows (hmis import --accept)",
            lambda: timed_bad_import(env, bad),
        )
        timed(f"fresh database {knobs.database}", lambda: recreate_database(knobs))
        flask(env, "db", "upgrade")
        imported = timed(
            "timed import (flask --app wsgi hmis import)", lambda: timed_import(env, export)
        )
    redis.Redis.from_url(knobs.redis_url).flushdb()  # the bench's own counters database

    from portal import create_app

    app = create_app()
    if knobs.reuse_database and bench_staff(app):
        seeded = timed(
            "new signed-in pool on the kept database",
            lambda: reseed(app, clients=knobs.client_sessions),
        )
    else:
        seeded = timed(
            f"seeding {knobs.requests:,} requests, staff and signed-in clients",
            lambda: seed(
                app,
                requests=knobs.requests,
                staff=knobs.staff_sessions,
                clients=knobs.client_sessions,
                random_seed=knobs.seed,
            ),
        )
    dataset = {
        "export_rows": export_rows,
        "requests": seeded.requests,
        "request_events": seeded.request_events,
        "queue_agency": seeded.agency_id,
        "postgres": postgres_version(app),
    }
    prepared = {"import": imported, "import_bad_rows": imported_bad, "dataset": dataset}
    return prepared, app, seeded


def postgres_version(app: Flask) -> str:
    from portal import db

    with app.app_context():
        return str(db.session().execute(text("SHOW server_version")).scalar())


def main() -> None:
    started = time.perf_counter()
    knobs = load()
    check_port(knobs.port)  # before minutes of preparation, not after
    results: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "knobs": {**asdict(knobs), "out": str(knobs.out), "cache": str(knobs.cache)},
        "gunicorn": gunicorn_settings(),
    }
    if knobs.reuse_database and "PORTAL_SSN_KEYS" not in os.environ:
        raise SystemExit("BENCH_REUSE_DATABASE=1 needs the PORTAL_*_KEY(S) of the run that made it")
    env = portal_environment(knobs, dict(os.environ))
    os.environ.update(env)  # the in-process app (seeding) uses the same keys and database
    if knobs.audit_entries:
        results["audit_verify"] = timed(
            f"audit chain: {knobs.audit_entries:,} entries",
            lambda: audit_verify.measure(knobs.audit_entries),
        )
    prepared, app, seeded = prepare(knobs, env)
    results |= prepared
    logs = knobs.out.parent
    with gunicorn("bench.ceiling:app", knobs.port, env, "/", logs / "ceiling.log") as url:
        step("ceiling")
        results["ceiling"] = run_scenario(url, pages.ceiling(), knobs)
    with gunicorn("wsgi:app", knobs.port, env, "/healthz", logs / "portal.log") as url:
        results |= portal_pages(app, knobs, seeded, url)
    for page in results["pages"].values():
        page["ratio_to_ceiling"] = round(page["rps"] / results["ceiling"]["rps"], 4)
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    base = json.loads(knobs.scale_base.read_text()) if knobs.scale_base else None
    results["targets"] = [verdict.as_dict() for verdict in report.verdicts(results, base)]
    results["machine"]["load_average_end"] = os.getloadavg()
    report.write(results, knobs.out)
    print(report.table(results))
    print(f"\nWritten to {knobs.out}")


if __name__ == "__main__":
    main()
