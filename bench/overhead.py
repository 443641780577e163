"""What a request costs the app before and after its own work: the WSGI application called
in-process (no server, no test client), microseconds a request. Not part of `make bench`.

    BENCH_DATABASE=bench_mine BENCH_REUSE_DATABASE=1 .venv/bin/python -m bench.overhead

It opens the database bench/profile.py made (run that first, same BENCH_DATABASE), with the keys
profile.py kept and production settings, and times, for BENCH_OVERHEAD_REQUESTS requests a
round, the best of BENCH_OVERHEAD_ROUNDS rounds (the best is the least disturbed by other work
on a loaded machine; compare ratios, not absolutes):

- bare Flask: bench/ceiling.py's app, the ceiling the bench divides by;
- public notice: `GET /privacy-notice` with no cookie (the fast path, portal/notice/fast_path.py);
- public notice through Flask: the same page from the same memory, through Flask and every hook
  (a query string sends it there);
- empty page, no cookie: `GET /keep-alive` (204), what every page pays with nobody signed in;
- empty page, client signed in / staff signed in: the same with a signed-in browser's cookie
  (the session cookie, resuming the session row, locale, CSRF, headers).

BENCH_OVERHEAD_PROFILE=<row number> prints cProfile's top functions for that row
(BENCH_OVERHEAD_SORT=cumulative, BENCH_OVERHEAD_LINES=60, BENCH_OVERHEAD_CALLERS=<function>).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from bench.profile import _client_browser, _keys, _staff_browser
from bench.settings import load

WSGIApp = Callable[[dict[str, Any], Callable[..., object]], Iterable[bytes]]


def _environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
    builder = EnvironBuilder(path=path, headers=headers, base_url="http://127.0.0.1:8089")
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _call(app: WSGIApp, environ: dict[str, Any]) -> Callable[[], int]:
    """One request as a server makes it: a fresh environ, the body read and closed."""
    got: list[str] = []

    def start_response(status: str, _headers: object, _exc: object = None) -> None:
        got.append(status)

    def request() -> int:
        got.clear()
        body = app(dict(environ), start_response)
        size = sum(len(chunk) for chunk in body)
        close = getattr(body, "close", None)
        if close is not None:
            close()
        return size

    return request


def _best_us(request: Callable[[], int], count: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            request()
        best = min(best, (time.perf_counter() - started) / count * 1e6)
    return best


def _cookie_header(browser: Any) -> str:
    cookies = [
        f"{name}={browser.get_cookie(name).value}"
        for name in ("portal_session", "portal_device", "portal_kiosk")
        if browser.get_cookie(name) is not None
    ]
    return "; ".join(cookies)


def _rows(app: Flask) -> list[tuple[str, WSGIApp, dict[str, Any]]]:
    from bench.ceiling import app as ceiling
    from bench.run import prepare

    knobs = load()
    env = dict(os.environ)
    _, _, seeded = prepare(knobs, env)  # BENCH_REUSE_DATABASE=1: a new pool, nothing imported
    client = _cookie_header(_client_browser(app, seeded.pool[0]))
    staff = _cookie_header(_staff_browser(app, seeded.staff_emails[0]))
    browser = {"Accept-Language": "en-US,en;q=0.9", "Accept": "text/html"}
    portal: WSGIApp = app
    return [
        ("bare Flask (the ceiling)", ceiling, _environ("/", browser)),
        ("public notice, no cookie", portal, _environ("/privacy-notice", browser)),
        (
            "public notice through Flask",
            portal,
            _environ("/privacy-notice?from=overhead", browser),
        ),
        ("empty page, no cookie", portal, _environ("/keep-alive", browser)),
        (
            "empty page, client signed in",
            portal,
            _environ("/keep-alive", {**browser, "Cookie": client}),
        ),
        (
            "empty page, staff signed in",
            portal,
            _environ("/keep-alive", {**browser, "Cookie": staff}),
        ),
    ]


def main() -> None:
    os.environ.setdefault("BENCH_REUSE_DATABASE", "1")
    os.environ.setdefault("BENCH_AUDIT_ENTRIES", "0")
    os.environ.setdefault("PORTAL_AUDIT_CHAINER", "0")
    knobs = load()
    from bench.dataset import portal_environment

    keys = _keys(str(knobs.out.parent / "profile-keys.json"))
    if not keys:
        raise SystemExit("run bench/profile.py on this BENCH_DATABASE first (it keeps the keys)")
    os.environ.update(portal_environment(knobs, {**keys, **os.environ}))
    from portal import create_app

    app = create_app()
    count = int(os.environ.get("BENCH_OVERHEAD_REQUESTS", "2000"))
    rounds = int(os.environ.get("BENCH_OVERHEAD_ROUNDS", "5"))
    profiled = os.environ.get("BENCH_OVERHEAD_PROFILE")
    rows = _rows(app)
    print(f"\n{count} requests a round, best of {rounds} rounds")
    print(f"{'#':>2} {'request':<32} {'µs':>8} {'x bare':>7} {'bytes':>6}")
    bare = None
    for number, (name, wsgi, environ) in enumerate(rows, 1):
        request = _call(wsgi, environ)
        size = 0
        for _ in range(50):
            size = request()  # warm: templates compiled, pages kept, statements cached
        took = _best_us(request, count, rounds)
        bare = bare or took
        print(f"{number:>2} {name:<32} {took:8.1f} {took / bare:7.2f} {size:>6}")
        if profiled == str(number):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(count):
                request()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(os.environ.get("BENCH_OVERHEAD_SORT", "tottime"))
            stats.print_stats(int(os.environ.get("BENCH_OVERHEAD_LINES", "30")))
            if callers := os.environ.get("BENCH_OVERHEAD_CALLERS"):
                stats.print_callers(callers)
            print(out.getvalue())


if __name__ == "__main__":
    main()
