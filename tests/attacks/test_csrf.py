"""Forged requests: every state-changing route, for every kind of user who may use it, refuses a
POST without this browser's CSRF token, and the refusal changes nothing.

"Nothing changed" is a snapshot of every row of every table, compared value by value (row counts
would miss an update: a publish, a claim, a disabled user, an ended session). Two things are left
out, and only those: the audit trail (audit_entry, audit_head), where a refusal may rightly be
recorded and whose own tests check the chain; and the last_seen_at of session rows, which every
request of a signed-in browser touches without changing what it may do. The browsers are checked
to still be signed in afterwards, so a forged sign-out is caught too.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from werkzeug.test import TestResponse

from portal.models import metadata
from portal.security import csrf
from tests.attacks.conftest import Browsers
from tests.attacks.forms import submit, token_of
from tests.test_authorization_matrix import (
    FORM_DATA,
    USERS,
    World,
    _allowed,
    _path,
    _routes,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
NOT_COMPARED_TABLES = {"audit_entry", "audit_head"}
NOT_COMPARED_COLUMNS = {"last_seen_at"}  # the touch of a session row by any request
REFUSAL_HEADING = "Please try again"  # portal/errors.py: STALE_FORM, the CSRF error page
Snapshot = dict[str, list[tuple[object, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, except what a refused request may touch (see above)."""
    rows: Snapshot = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in NOT_COMPARED_TABLES:
                continue
            columns = [c for c in table.columns if c.name not in NOT_COMPARED_COLUMNS]
            found = connection.execute(select(*columns)).all()
            rows[table.name] = sorted((tuple(row) for row in found), key=repr)
    return rows


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    return [
        f"{table}: {len(before[table])} rows -> {len(after[table])}, "
        f"gone {[r for r in before[table] if r not in after[table]][:2]}, "
        f"new {[r for r in after[table] if r not in before[table]][:2]}"
        for table in before
        if before[table] != after[table]
    ]


Forgery = Callable[[FlaskClient, str, str], TestResponse]


def forgeries(stranger_token: str, other_user_token: str) -> dict[str, Forgery]:
    """The ways a forged request arrives: each one lacks this browser's own token."""

    def send(token: str | None, *, header: bool = False) -> Forgery:
        def forge(client: FlaskClient, method: str, path: str) -> TestResponse:
            data = dict(FORM_DATA)
            headers = {}
            if token is not None and header:
                headers = {"X-CSRFToken": token, "HX-Request": "true"}
            elif token is not None:
                data["csrf_token"] = token
            return client.open(path, method=method, data=data, headers=headers)

        return forge

    return {
        "no token": send(None),
        "a token of another browser": send(stranger_token),
        "a token of another signed-in user": send(other_user_token),
        "another user's token in the htmx header": send(other_user_token, header=True),
        "a made-up token": send("IjAxMjM0NTY3ODkwMTIzNDU2Nzg5MCI.forged.signature"),
    }


def _refused(response: TestResponse) -> bool:
    if response.status_code != 400:
        return False
    heading = response.page.find("h1")  # type: ignore[attr-defined]
    return heading is not None and heading.get_text(strip=True) == REFUSAL_HEADING


def test_every_state_changing_route_refuses_a_forged_post(
    app: Flask, engine: Engine, world: World, browsers: Browsers
) -> None:
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert not csrf._exempt_views  # nothing is let off
    assert not csrf._exempt_blueprints
    stranger_token = token_of(app.test_client())
    failures: list[str] = []
    routes_checked: set[str] = set()
    tokens = {user: token_of(browsers[user]) for user in ("client_a", "client_b")}
    forged = 0
    for rule, method in _routes(app):
        if method not in STATE_CHANGING:
            continue
        audience = app.view_functions[rule.endpoint].audience
        victims = [user for user in USERS if _allowed(user, audience)]
        assert victims, f"nobody may use {rule.endpoint}"
        path = _path(rule, world)
        for user in victims:
            if user not in tokens:  # the victim's own session has a token of its own
                tokens[user] = token_of(browsers[user])
        before = snapshot(engine)
        for user in victims:
            other = tokens["client_b" if user != "client_b" else "client_a"]
            for how, forge in forgeries(stranger_token, other).items():
                response = forge(browsers[user], method, path)
                forged += 1
                if not _refused(response):
                    failures.append(f"{user} {method} {path} with {how}: {response.status_code}")
        if found := changes(before, snapshot(engine)):
            failures.append(f"{method} {path} changed: {found}")
        routes_checked.add(rule.endpoint)
    for user, client in browsers.items():
        home = "/staff" if user.startswith(("staff", "admin", "hmis", "system")) else "/my-page"
        if user != "anonymous" and client.get(home).status_code != 200:
            failures.append(f"{user} was signed out by a forged request")
    assert failures == [], "\n".join(failures)
    assert len(routes_checked) >= 35
    assert forged > 200


def test_the_snapshot_sees_a_change_a_real_post_makes(
    engine: Engine, world: World, browsers: Browsers
) -> None:
    """The control: the same kind of POST with the browser's own token does change the data,
    so "nothing changed" above means something."""
    staff = browsers["staff_a"]
    path = f"/staff/requests/{world.reference_a}/notes"
    page = staff.get(f"/staff/requests/{world.reference_a}").page
    before = snapshot(engine)
    response = submit(staff, page, path, {"note": "A real note."})
    assert response.status_code == 303
    assert any(change.startswith("request_event") for change in changes(before, snapshot(engine)))
