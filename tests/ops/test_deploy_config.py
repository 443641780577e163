"""The deployment settings themselves (both test passes: no PostgreSQL server needed): pool
bounds from the environment, the 503 page while the database is away, gunicorn's access log
without tokens or query strings, and nginx's log format likewise."""

from __future__ import annotations

import datetime as dt
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from gunicorn.config import Config
from werkzeug.test import TestResponse

from portal import PROJECT_ROOT, create_app, migrate
from portal.config import ConfigurationError, Settings, load_settings
from portal.db import make_engine
from tests.conftest import TEST_SSN_KEY

DEPLOY = PROJECT_ROOT / "deploy"
PG_URL = "postgresql+psycopg://portal@db.county.example/portal"  # never connected to
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"


def test_pool_bounds_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DB_POOL_SIZE", "3")
    monkeypatch.setenv("PORTAL_DB_MAX_OVERFLOW", "1")
    settings = load_settings(tmp_path)
    assert (settings.db_pool_size, settings.db_max_overflow) == (3, 1)
    engine = make_engine(PG_URL, pool_size=3, max_overflow=1)
    assert engine.pool.size() == 3
    assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]  # no public reader
    assert engine.pool.timeout() == 10  # a request waits at most 10 s for a connection


def test_pool_defaults_fit_the_sample_gunicorn_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings.db_pool_size >= gunicorn["threads"]  # every thread finds a pooled one


@pytest.mark.parametrize(("name", "raw"), [("DB_POOL_SIZE", "0"), ("DB_MAX_OVERFLOW", "-1")])
def test_pool_bounds_must_be_whole_numbers(tmp_path: Path, monkeypatch, name, raw) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(f"PORTAL_{name}", raw)
    with pytest.raises(ConfigurationError, match=f"PORTAL_{name}"):
        load_settings(tmp_path)


def _assert_try_again_soon(response: TestResponse, caplog: pytest.LogCaptureFixture) -> None:
    """503 with Retry-After and the portal's own error page; no driver detail anywhere."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_data(as_text=True)
    assert "Sorry, something went wrong on our side" in body
    for leak in ("Traceback", "psycopg", "127.0.0.1:1", "nobody", "redis://"):
        assert leak not in body
        assert leak not in caplog.text
    assert "shared store unavailable" in caplog.text


def test_pages_answer_503_while_the_database_is_away(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        environment="testing", secret_key="x", database_url=UNREACHABLE, ssn_keys=(TEST_SSN_KEY,)
    )
    app = create_app({"SETTINGS": settings})
    _assert_try_again_soon(app.test_client().get("/privacy-notice"), caplog)
    app.extensions["portal.engine"].dispose()


def test_sign_in_answers_503_while_redis_is_away(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The sign-in counters cannot be read: nobody may try (the limits fail closed), and the
    person is told to try again soon rather than that something broke."""
    settings = Settings(
        environment="testing",
        secret_key="x",
        database_url=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        ssn_keys=(TEST_SSN_KEY,),
        rate_limit_storage="redis://127.0.0.1:1/0",
    )
    app = create_app({"SETTINGS": settings})
    migrate.upgrade(app.extensions["portal.engine"])
    client = app.test_client()
    form = BeautifulSoup(client.get("/sign-in").get_data(as_text=True), "html.parser")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]  # type: ignore[index]
    data = {"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD", "dob_month": "1"}
    sent = client.post("/sign-in", data={**data, "dob_day": "2", "dob_year": "1980"})
    _assert_try_again_soon(sent, caplog)
    app.extensions["portal.engine"].dispose()


def _access_atoms(path: str, query: str) -> dict[str, object]:
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    logger = gunicorn["PortalAccessLogger"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://portal.county.test{path}?{query}",
    }
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    return logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/continue/Zm9vYmFyLXRva2VuLTAxMjM0NTY3ODk", "/continue/[token]"),
        ("/staff/set-up/Zm9vYmFyLXRva2VuLTAxMjM0NTY3ODk", "/staff/set-up/[token]"),
        ("/sign-in", "/sign-in"),
    ],
)
def test_gunicorn_access_log_hides_tokens_and_query_strings(path: str, logged: str) -> None:
    atoms = _access_atoms(path, "code=7KQM-2XD9-H4TB-0RWE")
    assert atoms["r"] == f"GET {logged} HTTP/1.1"
    assert atoms["U"] == logged
    assert (atoms["q"], atoms["f"]) == ("-", "-")
    line = repr(atoms)
    for secret in ("Zm9vYmFy", "7KQM", "code="):
        assert secret not in line


def test_nginx_logs_neither_query_strings_nor_referrers() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    log_format = re.search(r"log_format portal (.*?);", conf, re.DOTALL)
    assert log_format is not None
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert variable not in log_format.group(1) + " "
    assert "gzip_static on;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # one hop, not appended
