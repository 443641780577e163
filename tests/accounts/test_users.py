"""Creating staff users from the command line, and the one-time set-up link."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.accounts.services import password_problem, verify_password

GOOD_PASSWORD = "violet kettle harbour lamp"


def _create(app: Flask, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["users", "create", *args], input=stdin)


def test_first_hmis_lead_is_created_with_a_password_from_stdin(
    app: Flask, db_session: Session
) -> None:
    result = _create(
        app,
        "--email",
        "Lead@County.example",
        "--name",
        "Pat Lead",
        "--role",
        "hmis_lead",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    user = db_session.scalars(select(StaffUser)).one()
    assert (user.email, user.role) == ("lead@county.example", Role.HMIS_LEAD)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    assert not verify_password(user.password_hash, "wrong password entirely")


def test_password_is_asked_for_twice_when_not_piped(app: Flask, db_session: Session) -> None:
    result = _create(
        app,
        "--email",
        "sys@county.example",
        "--name",
        "Sam Sys",
        "--role",
        "system_admin",
        stdin=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert db_session.scalars(select(StaffUser)).one().role is Role.SYSTEM_ADMIN


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short one", "at least 12"),
        ("password1234", "too common"),
        ("qwertyuiop12!", "too common"),
        ("aaaaaaaaaaaaaaa", "too common"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(app: Flask, password: str, reason: str) -> None:
    result = _create(
        app,
        "--email",
        "x@county.example",
        "--name",
        "X",
        "--role",
        "hmis_lead",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert result.exit_code != 0
    assert reason in result.output


def test_agency_roles_need_a_known_agency(app: Flask) -> None:
    agency_staff = ("--email", "a@agency.example", "--name", "A", "--role", "agency_staff")
    result = _create(app, *agency_staff, "--password-stdin", stdin=GOOD_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "Choose an agency" in result.output
    result = _create(
        app, *agency_staff, "--agency", "404", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
    )
    assert result.exit_code != 0
    assert "We cannot find an agency with that organization ID" in result.output


def test_duplicate_email_is_refused(app: Flask) -> None:
    args = (
        "--email",
        "dup@county.example",
        "--name",
        "D",
        "--role",
        "hmis_lead",
        "--password-stdin",
    )
    assert _create(app, *args, stdin=GOOD_PASSWORD + "\n").exit_code == 0
    second = _create(app, *args, stdin=GOOD_PASSWORD + "\n")
    assert second.exit_code != 0
    assert "already exists" in second.output


def _setup_link(app: Flask) -> str:
    result = _create(
        app,
        "--email",
        "new@county.example",
        "--name",
        "New Lead",
        "--role",
        "hmis_lead",
        "--setup-link",
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"http://127\.0\.0\.1:5000(/staff/set-up/\S+)", result.output)
    assert match, result.output
    return match.group(1)


def test_set_up_link_lets_the_new_user_choose_a_password_once(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    path = _setup_link(app)
    page = client.get(path).page
    form = page.find("form")
    assert form["action"] == path
    token = form.find("input", attrs={"name": "csrf_token"})["value"]

    weak = client.post(
        path, data={"csrf_token": token, "password": "password1234", "confirm": "password1234"}
    )
    assert weak.status_code == 200
    assert weak.page.title.get_text().startswith("Error:")
    summary = weak.page.select_one(".error-summary a")
    assert summary["href"] == "#password"
    assert "too common" in summary.get_text()
    assert weak.page.find(id="password")["aria-invalid"] == "true"

    done = client.post(
        path, data={"csrf_token": token, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert done.status_code == 303
    user = db_session.scalars(select(StaffUser)).one()
    db_session.refresh(user)
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    again = client.get(path)
    assert again.status_code == 404
    assert (
        again.page.find("h1").get_text(strip=True)
        == "This link to set up your account does not work"
    )


def test_mismatched_confirmation_is_shown_next_to_the_field(
    app: Flask, client: FlaskClient
) -> None:
    path = _setup_link(app)
    token = client.get(path).page.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        path, data={"csrf_token": token, "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "x"}
    )
    error = response.page.find(id="confirm-error")
    assert error is not None
    assert "not the same" in error.get_text()


def test_common_password_list_is_bundled() -> None:
    assert password_problem("iloveyou1234") is not None
    assert password_problem(GOOD_PASSWORD) is None


def test_production_hashes_passwords_with_rfc_9106s_low_memory_argon2id() -> None:
    """The suite hashes cheaply (tests/conftest.py); the portal itself never does."""
    from argon2 import Type, profiles

    from tests.conftest import PRODUCTION_HASHER

    assert PRODUCTION_HASHER.type is Type.ID
    parameters = (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost)
    assert parameters == (
        profiles.RFC_9106_LOW_MEMORY.time_cost,
        profiles.RFC_9106_LOW_MEMORY.memory_cost,
    )
