"""Starting and stopping gunicorn on loopback, always with bench/gunicorn.conf.py."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.settings import BENCH_DIR, PROJECT_ROOT, VENV_BIN

GUNICORN_CONF = BENCH_DIR / "gunicorn.conf.py"
HOST = "127.0.0.1"


def gunicorn_settings() -> dict[str, object]:
    """The configuration's values, for the report."""
    values: dict[str, object] = {}
    exec(GUNICORN_CONF.read_text(), {}, values)  # noqa: S102 - our own config file
    return {key: value for key, value in values.items() if not key.startswith("_")}


def check_port(port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise SystemExit(f"port {port} is in use: set BENCH_PORT to a free one")


def _wait_until_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited at start; see {log}")
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # workers still starting
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within 120 s; see {log}")


@contextmanager
def gunicorn(
    app_spec: str, port: int, env: dict[str, str], ready_path: str, log: Path
) -> Iterator[str]:
    """Serve app_spec (module:app) until the block ends; yields the base URL."""
    check_port(port)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(GUNICORN_CONF),
        "--bind",
        f"{HOST}:{port}",
        app_spec,
    ]
    with log.open("wb") as log_file:
        server = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        base_url = f"http://{HOST}:{port}"
        try:
            _wait_until_ready(base_url + ready_path, server, log)
            yield base_url
        finally:
            server.terminate()  # SIGTERM: gunicorn's graceful stop
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
