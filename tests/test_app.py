"""The base page, security headers, languages, errors and the health check."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.config import ConfigurationError, Settings, load_settings


def test_start_page_has_skip_link_language_chooser_and_help_desk(client: FlaskClient) -> None:
    page = client.get("/").page
    skip = page.select_one("a.skip-link")
    assert skip is not None
    assert skip["href"] == "#main-content"
    assert page.find(id="main-content").name == "main"
    chooser = page.select_one("nav.language-chooser")
    names = {a["lang"]: a.get_text(strip=True) for a in chooser.find_all("a")}
    assert names == {"en": "English", "es": "Español", "pl": "Polski"}
    assert "(847) 555-0142" in page.select_one("footer").get_text()


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_static_files_are_cacheable_and_htmx_is_vendored(client: FlaskClient) -> None:
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert b'version:"2.0.11"' in response.data.replace(b" ", b"")
    response.close()


@pytest.mark.parametrize(
    ("code", "heading"),
    [("es", "Su expediente de HMIS y su privacidad"), ("pl", "Twoja kartoteka HMIS i prywatność")],
)
def test_language_choice_translates_the_page_and_is_remembered(
    client: FlaskClient, code: str, heading: str
) -> None:
    page = client.get(f"/?lang={code}").page
    assert page.find("html")["lang"] == code
    assert page.find("h1").get_text(strip=True) == heading
    # The choice sticks without the query string.
    assert client.get("/").page.find("html")["lang"] == code


def test_browser_language_is_used_when_nothing_was_chosen(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9,en;q=0.5"}).page
    assert page.find("html")["lang"] == "pl"


def test_unknown_language_falls_back_to_english(client: FlaskClient) -> None:
    page = client.get("/?lang=xx").page
    assert page.find("html")["lang"] == "en"


def test_not_found_page_is_translated_and_leaks_nothing(client: FlaskClient) -> None:
    response = client.get("/no-such-page-123-45-6789?lang=es")
    assert response.status_code == 404
    text = response.page.get_text()
    assert "Página no encontrada" in text
    assert "123-45-6789" not in response.get_data(as_text=True)


def test_unexpected_error_shows_a_plain_500_without_details(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> str:
        raise RuntimeError("secret detail 999-88-7777")

    monkeypatch.setitem(app.view_functions, "public.home", broken)
    response = client.get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body
    assert "Traceback" not in body
    assert (
        response.page.find("h1").get_text(strip=True) == "Sorry, something went wrong on our side"
    )
    assert "999-88-7777" not in caplog.text  # the message is never logged, only the type
    assert "RuntimeError" in caplog.text


def test_post_without_csrf_token_is_refused_kindly_and_changes_nothing(
    client: FlaskClient,
) -> None:
    response = client.post("/sign-in", data={"code": "x"})
    assert response.status_code == 400
    assert response.page.find("h1").get_text(strip=True) == "Please try again"
    assert "Nothing was changed." in response.page.select_one("main").get_text()


def test_healthz_answers_200_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"


def test_healthz_answers_503_when_the_database_does_not(tmp_path, settings: Settings) -> None:
    unreachable = Settings(
        environment="testing",
        secret_key="x",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        ssn_keys=settings.ssn_keys,
    )
    app = create_app({"SETTINGS": unreachable, "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database unavailable\n"  # no driver details


def test_production_refuses_to_start_without_a_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAL_SECRET_KEY"):
        load_settings(tmp_path)


def test_production_refuses_to_start_without_shared_counters(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    for name in ("SECRET_KEY", "SSN_KEYS", "AUDIT_KEY"):
        monkeypatch.setenv(f"PORTAL_{name}", "set")
    monkeypatch.delenv("PORTAL_REDIS_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PORTAL_REDIS_URL"):
        load_settings(tmp_path)
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_settings(tmp_path).rate_limit_storage == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("raw", ["-1", "two", "9"])
def test_proxy_hops_must_be_a_small_number(tmp_path, monkeypatch, raw: str) -> None:
    monkeypatch.setenv("PORTAL_PROXY_HOPS", raw)
    with pytest.raises(ConfigurationError, match="PORTAL_PROXY_HOPS"):
        load_settings(tmp_path)


def test_forwarded_headers_count_only_behind_a_configured_proxy(settings) -> None:
    """Without PORTAL_PROXY_HOPS a forged X-Forwarded-For cannot dodge per-address limits;
    with one proxy, the address it saw is the client's."""
    import dataclasses

    from flask import request

    seen: list[str | None] = []
    for hops in (0, 1):
        app = create_app({"SETTINGS": dataclasses.replace(settings, proxy_hops=hops)})
        app.add_url_rule("/_address", "address", lambda: seen.append(request.remote_addr) or "")
        app.test_client().get(
            "/_address",
            headers={"X-Forwarded-For": "203.0.113.9"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
    assert seen == ["127.0.0.1", "203.0.113.9"]


def test_development_generates_and_then_reuses_its_secrets(tmp_path, monkeypatch) -> None:
    for name in ("PORTAL_ENV", "PORTAL_SECRET_KEY", "PORTAL_SSN_KEYS", "PORTAL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    first = load_settings(tmp_path)
    second = load_settings(tmp_path)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) == 64
    assert first.ssn_keys == second.ssn_keys
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_configuration_comes_from_portal_variables(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-env")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite:///elsewhere.db")
    settings = load_settings(tmp_path)
    assert settings.secret_key == "from-env"
    assert settings.database_url == "sqlite:///elsewhere.db"


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (400, "Something went wrong"),
        (403, "You cannot see this page"),
        (404, "Page not found"),
        (500, "Sorry, something went wrong on our side"),
    ],
)
def test_error_pages_say_what_to_do_next(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, status: int, heading: str
) -> None:
    from flask import abort

    def failing() -> str:
        abort(status)

    monkeypatch.setitem(app.view_functions, "public.home", failing)
    response = client.get("/")
    assert response.status_code == status
    assert response.page.find("h1").get_text(strip=True) == heading
    assert response.page.select_one("main a")["href"] == "/"
