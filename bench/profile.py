"""Where a page spends its time in the app: pyinstrument over the Flask test client, on a small
bench database, with production settings. Not part of `make bench`.

    BENCH_DATABASE=bench_mine BENCH_CLIENTS=10000 .venv/bin/python -m bench.profile
    BENCH_REUSE_DATABASE=1 ... .venv/bin/python -m bench.profile   # profile again, same data

Prints, per page: app time per request (mean of BENCH_PROFILE_REQUESTS, after a warm-up), SQL
statements and commits per request, and pyinstrument's call tree (frames over 2 %). The run's
keys are kept in bench/results/profile-keys.json so that a reused database stays readable.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from bench.dataset import portal_environment
from bench.seed import STAFF_PASSWORD
from bench.settings import load
from bench.visitors import csrf_token

PAGES = ("notice", "record", "queue", "correction_send")
SENDERS = 48  # signed-in clients whose items the correction sends go through, each once


@dataclass
class Counts:
    statements: int = 0
    commits: int = 0


def _keys(path: str) -> dict[str, str]:
    if os.path.exists(path):
        with open(path) as keys:
            return dict(json.load(keys))
    return {}


def _client_browser(app: Flask, pool_client) -> FlaskClient:  # type: ignore[no-untyped-def]
    browser = app.test_client()
    token = csrf_token(browser.get("/sign-in").get_data(as_text=True))
    browser.post(
        "/sign-in",
        data={
            "csrf_token": token,
            "code": pool_client.code,
            "dob_month": str(pool_client.dob.month),
            "dob_day": str(pool_client.dob.day),
            "dob_year": str(pool_client.dob.year),
        },
    )
    page = browser.get("/privacy-notice/acknowledge")
    if page.status_code == 200:  # not acknowledged in an earlier run yet
        token = csrf_token(page.get_data(as_text=True))
        browser.post("/privacy-notice/acknowledge", data={"csrf_token": token})
    assert browser.get("/my-record").status_code == 200, "the pool client did not sign in"
    return browser


def _staff_browser(app: Flask, email: str) -> FlaskClient:
    browser = app.test_client()
    token = csrf_token(browser.get("/staff/sign-in").get_data(as_text=True))
    browser.post(
        "/staff/sign-in", data={"csrf_token": token, "email": email, "password": STAFF_PASSWORD}
    )
    assert browser.get("/staff/queue").status_code == 200, "the bench staff did not sign in"
    return browser


def _sends(app: Flask, browsers: list[tuple[FlaskClient, str]]) -> Callable[[], object]:
    """Each call sends a new correction (of an item not asked about yet, as in the bench)."""
    from bench.pages import correctable_items

    found = correctable_items(app, [personal_id for _, personal_id in browsers])
    queue = []
    for browser, personal_id in browsers:
        token = csrf_token(browser.get("/my-record").get_data(as_text=True))
        queue += [(browser, token, item.key, item.answers) for item in found[personal_id]]
    queue.reverse()

    def send() -> object:
        browser, token, key, answers = queue.pop()
        data = {
            "csrf_token": token,
            "submission_key": os.urandom(16).hex(),
            "reason": "Synthetic reason typed by the profile.",
            "evidence": "",
            **answers,
        }
        response = browser.post(f"/my-record/correct/{quote(key)}/send", data=data)
        assert response.status_code == 303, response.status_code
        assert response.headers["Location"].endswith("/sent"), "the request was refused"
        return response

    return send


def main() -> None:
    from pyinstrument import Profiler

    os.environ.setdefault("BENCH_CLIENTS", "10000")
    os.environ.setdefault("BENCH_AUDIT_ENTRIES", "0")
    # The chainer's loop runs beside the requests, not in them: kept out of the counts here.
    os.environ.setdefault("PORTAL_AUDIT_CHAINER", "0")
    knobs = load()
    keys_path = str(knobs.out.parent / "profile-keys.json")
    env = portal_environment(knobs, {**_keys(keys_path), **os.environ})
    os.environ.update(env)
    os.makedirs(knobs.out.parent, exist_ok=True)
    with open(keys_path, "w") as saved:
        json.dump(
            {k: env[k] for k in ("PORTAL_SECRET_KEY", "PORTAL_SSN_KEYS", "PORTAL_AUDIT_KEY")}, saved
        )

    from bench.run import prepare

    _, app, seeded = prepare(knobs, env)
    from portal import db

    counts = Counts()
    with app.app_context():
        engine = db.engine()
    event.listen(engine, "before_cursor_execute", lambda *a, **k: _count(counts))
    event.listen(engine, "commit", lambda *a: setattr(counts, "commits", counts.commits + 1))

    client = _client_browser(app, seeded.pool[0])
    senders = [(_client_browser(app, c), c.personal_id) for c in seeded.pool[1:SENDERS]]
    staff = _staff_browser(app, seeded.staff_emails[0])
    anonymous = app.test_client()
    from bench.pages import QUEUE_PATH, RECORD_PATH

    actions: dict[str, Callable[[], object]] = {
        "notice": lambda: anonymous.get("/privacy-notice"),
        "record": lambda: client.get(RECORD_PATH),
        "queue": lambda: staff.get(QUEUE_PATH),
        "correction_send": _sends(app, senders),
    }
    requests = int(os.environ.get("BENCH_PROFILE_REQUESTS", "200"))
    print(f"database {knobs.database}: {knobs.clients:,} clients; {requests} requests a page")
    for name in PAGES:
        action = actions[name]
        for _ in range(20):
            action()  # warm: templates compiled, caches filled
        counts.statements = counts.commits = 0
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(requests):
            action()
        took = (time.perf_counter() - started) / requests * 1000
        cpu_ms = (time.process_time() - cpu) / requests * 1000
        per_request = counts.statements / requests, counts.commits / requests
        print(f"\n=== {name}: {cpu_ms:.2f} ms app CPU, {took:.2f} ms wall a request; ", end="")
        print("{:.1f} statements, {:.1f} commits".format(*per_request))
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(requests):
                action()
        print(
            profiler.output_text(
                unicode=False, color=False, show_all=False, time="percent_of_total"
            )
        )


def _count(counts: Counts) -> None:
    counts.statements += 1


if __name__ == "__main__":
    main()
