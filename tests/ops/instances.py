"""Portal instances as production runs them (gunicorn with deploy/gunicorn.conf.py), and
browsers that reach them the way nginx forwards a browser's requests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from bs4 import BeautifulSoup

from portal import PROJECT_ROOT
from tests.conftest import TEST_SSN_KEY
from tests.ops.postgres import free_port

GUNICORN = Path(sys.executable).parent / "gunicorn"
GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
# The same keys in every instance, as production's environment file gives them.
SECRET_KEY = "operations test secret key, not for production"
AUDIT_KEY = "operations test audit key, not for production"
PUBLIC_HOST = "portal.county.test"  # the name nginx would pass on in X-Forwarded-Host
STARTUP_SECONDS = 120  # importing the app takes seconds, more on a busy machine


def production_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """What an instance's environment file holds, with the test's database and Redis."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return {
        **inherited,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_SSN_KEYS": TEST_SSN_KEY,
        "PORTAL_AUDIT_KEY": AUDIT_KEY,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_PROXY_HOPS": "1",
        **extra,
    }


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _launch(name: str, environment: dict[str, str], log_dir: Path, workers: int) -> Instance:
    port = free_port()
    log = log_dir / f"{name}.log"
    command = [
        str(GUNICORN), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "wsgi:app",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    return Instance(name, port, process, log)


def _wait_until_healthy(instance: Instance) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            break
        try:
            if requests.get(f"{instance.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"instance {instance.name} did not start:\n{instance.log_text()[-3000:]}")


def _stop(instances: list[Instance]) -> None:
    """SIGTERM (a graceful stop, as systemd does) to all at once, then SIGKILL to any that
    hangs: only the processes this test started, by their ids."""
    running_now = [i for i in instances if i.process.poll() is None]
    for instance in running_now:
        instance.process.send_signal(signal.SIGTERM)
    for instance in running_now:
        try:
            instance.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait(timeout=10)


@contextmanager
def running(
    names: tuple[str, ...], environment: dict[str, str], log_dir: Path, workers: int = 2
) -> Iterator[list[Instance]]:
    """Start one gunicorn per name (all at once: they boot in parallel), wait for /healthz,
    and stop them all at the end, whatever happened."""
    instances: list[Instance] = []
    try:
        for name in names:
            instances.append(_launch(name, environment, log_dir, workers))
        for instance in instances:
            _wait_until_healthy(instance)
        yield instances
    finally:
        _stop(instances)


def logged_requests(instance: Instance, expected: tuple[str, ...]) -> str:
    """The instance's access log lines, once the expected ones are in: gunicorn writes a line
    just after it sends the response, so the test may read a moment too early."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in instance.log_text().splitlines() if " HTTP/1.1" in line]
        log = "\n".join(lines)
        if all(part in log for part in expected) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def page(response: requests.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


class Browser:
    """One person's browser, as the instances see it through nginx.

    nginx ends TLS and forwards plain http with X-Forwarded-For/-Proto/-Host (the instances run
    with PORTAL_PROXY_HOPS=1, so they believe them, as in production). The test talks to the
    instances directly, standing in for nginx, so it sends those headers itself.

    Production marks cookies Secure, and a cookie jar never sends a Secure cookie over plain
    http. A real browser sends them, because it speaks https to nginx. So after every response
    this browser clears the Secure flag of the cookies it keeps: it sends exactly the cookies a
    browser would, over the http leg that nginx would use.
    """

    def __init__(self, address: str = "203.0.113.10") -> None:
        self.http = requests.Session()
        self.http.headers.update(
            {
                "X-Forwarded-For": address,  # documentation addresses (RFC 5737), synthetic
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": PUBLIC_HOST,
                # No idle keep-alive connections: a graceful stop need not wait for them.
                "Connection": "close",
            }
        )

    def _kept(self, response: requests.Response) -> requests.Response:
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def get(self, instance: Instance, path: str) -> requests.Response:
        response = self.http.get(instance.url + path, allow_redirects=False, timeout=60)
        return self._kept(response)

    def post(self, instance: Instance, path: str, data: dict[str, str]) -> requests.Response:
        # Over https, CSRF protection also wants a same-site Referer, as a browser sends one.
        referer = {"Referer": f"https://{PUBLIC_HOST}{path}"}
        response = self.http.post(
            instance.url + path, data=data, headers=referer, allow_redirects=False, timeout=60
        )
        return self._kept(response)

    def form_fields(self, instance: Instance, path: str, form: str = "main form") -> dict[str, str]:
        """The hidden fields (CSRF token, version) of a form on a page, to send with it."""
        response = self.get(instance, path)
        assert response.status_code == 200, (path, response.status_code)
        found = page(response).select_one(form)
        assert found is not None, (path, form)
        return {
            field["name"]: field.get("value", "")
            for field in found.select("input[type=hidden][name]")
        }

    def cookie(self, name: str) -> str | None:
        return self.http.cookies.get(name)
