"""Staff of two agencies and the county, signed in as a person would be (two-step included),
for the policy and staff-account tests."""

from __future__ import annotations

import datetime as dt

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffUser
from portal.accounts.policy import POLICY
from portal.accounts.services import create_staff_user
from portal.notice.models import NoticeText, NoticeVersion
from portal.timeutil import utcnow
from tests.accounts.test_staff_sign_in import PASSWORD, post_form
from tests.factories import AGENCY_A, AGENCY_B, hmis_world

__all__ = ["AGENCY_A", "AGENCY_B", "PASSWORD", "hmis_world", "post_form"]


def make_staff(
    session: Session,
    role: Role,
    email: str,
    agency: str | None = None,
    name: str | None = None,
) -> StaffUser:
    user = create_staff_user(
        session,
        email=email,
        name=name or email.split("@")[0].replace(".", " ").title(),
        role=role,
        organization_id=agency,
        password=PASSWORD,
    )
    if role.needs_two_step:
        user.totp_secret = pyotp.random_base32()
    session.commit()
    return user


def sign_in_as(app: Flask, session: Session, user: StaffUser) -> FlaskClient:
    """A fresh browser signed in as this user (past the two-step code where they have one)."""
    client = app.test_client()
    response = post_form(client, "/staff/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, user.email
    if user.totp_secret:
        session.refresh(user)
        user.totp_last_step = None  # a second sign-in within 30 s may use the same code
        session.commit()
        code = pyotp.TOTP(user.totp_secret).now()
        response = post_form(client, "/staff/sign-in/code", {"code": code})
        assert response.status_code == 303, user.email
    return client


def csrf_token(client: FlaskClient, path: str = "/staff/sign-in") -> str:
    """A valid token of this browser's session, from any page with a form."""
    return client.get(path).page.select_one("form input[name=csrf_token]")["value"]


def post_with_token(
    client: FlaskClient, path: str, data: dict[str, str] | None = None
) -> TestResponse:
    """POST as the browser would, with its session's CSRF token (for buttons on other pages)."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})


def policy_version(
    session: Session,
    number: int = 1,
    effective_date: dt.date = dt.date(2024, 1, 1),
    languages: tuple[str, ...] = ("en", "es", "pl"),
) -> NoticeVersion:
    version = NoticeVersion(
        kind=POLICY, number=number, effective_date=effective_date, published_at=utcnow()
    )
    for language in languages:
        version.texts.append(
            NoticeText(
                language=language,
                summary_of_changes=f"What changed in policy {number} [{language}]",
                in_short=f"- Policy {number} in short [{language}]",
                body=f"## Policy {number} [{language}]\n\nThe rules of policy {number}.",
            )
        )
    session.add(version)
    session.commit()
    return version
