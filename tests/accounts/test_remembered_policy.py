"""Issue 22: a staff member's acceptance of the policy in force is remembered on the session,
not looked up on every page; a newer version is asked for again."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from tests.accounts.staff import make_staff, policy_version, sign_in_as
from tests.factories import AGENCY_A, hmis_world


def test_policy_acceptance_is_remembered_until_a_new_version(
    app: Flask, db_session: Session
) -> None:
    hmis_world(db_session)
    version = policy_version(db_session)
    user = make_staff(db_session, Role.AGENCY_STAFF, "cm@agency.example", AGENCY_A)
    browser = sign_in_as(app, db_session, user)
    page = browser.get("/staff/policy").page
    token = page.select_one("form input[name=csrf_token]")["value"]
    accepted = browser.post(
        "/staff/policy", data={"csrf_token": token, "version_id": str(version.id), "accept": "y"}
    )
    assert accepted.status_code == 303
    assert browser.get("/staff").status_code == 200

    engine = app.extensions["portal.engine"]
    asked: list[str] = []

    def statement(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        if "policy_acceptance" in sql and sql.lstrip().upper().startswith("SELECT"):
            asked.append(sql)

    event.listen(engine, "before_cursor_execute", statement)
    try:
        assert browser.get("/staff").status_code == 200
        assert browser.get("/staff/kiosk").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert asked == []

    policy_version(db_session, number=2)
    assert browser.get("/staff").headers["Location"] == "/staff/policy"
