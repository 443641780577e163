"""Issue 22: a session row is written at most once a minute and a request that changes nothing
commits nothing; the idle limit still ends the session on time, counted from the last request
(the browser's signed stamp), not from the row's older stamp."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.access.models import ClientSession
from portal.timeutil import utcnow
from tests.fixtures.clients import SignIn, browser_last_seen, signed_in_client


@contextmanager
def writes(app: Flask) -> Iterator[list[str]]:
    """The UPDATE statements and COMMITs the app sends meanwhile."""
    engine = app.extensions["portal.engine"]
    seen: list[str] = []

    def statement(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            seen.append(sql.split()[0] + " " + sql.split()[1])

    def commit(_conn) -> None:  # type: ignore[no-untyped-def]
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _age(db_session: Session, seconds: int) -> ClientSession:
    opened = db_session.scalars(select(ClientSession)).one()
    opened.last_seen_at = utcnow() - dt.timedelta(seconds=seconds)
    db_session.commit()
    return opened


def test_a_session_is_touched_at_most_once_a_minute(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    _age(db_session, 30)
    with writes(app) as seen:
        assert client.get("/healthz").status_code == 200
    assert seen == []  # nothing changed: no UPDATE, no COMMIT

    opened = _age(db_session, 61)
    with writes(app) as seen:
        assert client.get("/healthz").status_code == 200
    assert "COMMIT" in seen
    assert any("client_session" in sql for sql in seen if sql.startswith("UPDATE"))
    db_session.refresh(opened)
    assert utcnow() - opened.last_seen_at < dt.timedelta(seconds=5)


def test_the_idle_limit_still_ends_the_session_on_time(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    # 59 seconds under the personal device's 15 minutes: requests in that last minute go on
    # (the stamp is not rewritten while under a minute old, and it is over a minute old here).
    _age(db_session, 15 * 60 - 59)
    browser_last_seen(client, 15 * 60 - 59)
    assert client.get("/my-page").status_code == 200
    # One second past 15 minutes after the last stamp: ended as idle, as before.
    opened = _age(db_session, 15 * 60 + 1)
    browser_last_seen(client, 15 * 60 + 1)
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    db_session.refresh(opened)
    assert opened.ended_reason == "idle"


def test_a_request_the_row_did_not_record_still_counts_for_the_idle_limit(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    """A kiosk client pressing "I'm still here" late in the countdown is not signed out early:
    the row's stamp may be up to a minute older than the browser's last request."""
    signed_in_client(client, sign_in, code)
    _age(db_session, 15 * 60 + 30)  # idle by the row alone
    browser_last_seen(client, 15 * 60 - 30)  # the last request was 30 s inside the limit
    assert client.get("/my-page").status_code == 200

    opened = _age(db_session, 15 * 60 + 30)
    browser_last_seen(client, 15 * 60 + 1)  # idle by both: ended, as before
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    db_session.refresh(opened)
    assert opened.ended_reason == "idle"


def test_the_acknowledgement_is_remembered_not_asked_on_every_page(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    signed_in_client(client, sign_in, code)
    assert client.get("/my-page").status_code == 200
    engine = app.extensions["portal.engine"]
    asked: list[str] = []

    def statement(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        if "notice_acknowledgement" in sql and sql.lstrip().upper().startswith("SELECT"):
            asked.append(sql)

    event.listen(engine, "before_cursor_execute", statement)
    try:
        assert client.get("/my-page").status_code == 200
        assert client.get("/my-record").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert asked == []
