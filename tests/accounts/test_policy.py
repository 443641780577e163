"""The End User Policy and Code of Ethics: accepted before first use, and again when it changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Rule

from portal.accounts.models import PolicyAcceptance, Role, StaffUser
from portal.accounts.policy import DEMO_POLICY, POLICY, current_policy, policy_to_accept
from portal.audit.models import AuditEntry
from portal.notice.services import load_demo_versions
from tests.accounts.staff import (
    AGENCY_A,
    hmis_world,
    make_staff,
    policy_version,
    post_form,
    post_with_token,
    sign_in_as,
)

POLICY_PAGE = "/staff/policy"
OPEN_BEFORE_ACCEPTING = {
    "accounts.policy_accept",
    "accounts.sign_out",
    # The recovery codes are shown right after two-step set-up, before anything else.
    "accounts.recovery_codes",
    "accounts.recovery_codes_download",
    "accounts.recovery_codes_action",
}


def _staff_routes(app: Flask) -> list[tuple[Rule, frozenset[str]]]:
    staff_roles = {role.value for role in Role}
    found = []
    for rule in app.url_map.iter_rules():
        audience = getattr(app.view_functions[rule.endpoint], "audience", frozenset())
        if staff_roles & set(audience) and rule.endpoint not in OPEN_BEFORE_ACCEPTING:
            found.append((rule, frozenset(audience)))
    return found


def _path(rule: Rule, user_id: int) -> str:
    values: dict[str, object] = {}
    for argument in rule.arguments:
        is_number = isinstance(rule._converters[argument], IntegerConverter)
        values[argument] = user_id if is_number else "x"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


@pytest.fixture
def everyone(db_session: Session) -> dict[Role, StaffUser]:
    hmis_world(db_session)
    return {
        Role.AGENCY_STAFF: make_staff(db_session, Role.AGENCY_STAFF, "staff@a.example", AGENCY_A),
        Role.AGENCY_ADMIN: make_staff(db_session, Role.AGENCY_ADMIN, "admin@a.example", AGENCY_A),
        Role.HMIS_LEAD: make_staff(db_session, Role.HMIS_LEAD, "lead@county.example"),
        Role.SYSTEM_ADMIN: make_staff(db_session, Role.SYSTEM_ADMIN, "sys@county.example"),
    }


def test_every_staff_page_sends_a_user_who_has_not_accepted_to_the_policy(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    policy_version(db_session)
    clients = {role: sign_in_as(app, db_session, user) for role, user in everyone.items()}
    routes = _staff_routes(app)
    assert len(routes) >= 10
    checked = 0
    for rule, audience in routes:
        role = next(role for role in Role if role.value in audience)
        client = clients[role]
        path = _path(rule, everyone[role].id)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(path)
                htmx = client.get(path, headers={"HX-Request": "true"})
                assert htmx.headers.get("HX-Redirect") == POLICY_PAGE, path
            else:
                response = post_with_token(client, path)
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["Location"] == POLICY_PAGE, f"{method} {path}"
            checked += 1
    assert checked >= 10
    assert db_session.scalar(select(PolicyAcceptance.id)) is None


def test_accepting_records_the_version_and_lets_the_user_through(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    version = policy_version(db_session)
    user = everyone[Role.AGENCY_STAFF]
    client = sign_in_as(app, db_session, user)
    assert client.get("/staff").headers["Location"] == POLICY_PAGE

    page = client.get(POLICY_PAGE).page
    assert page.find("h1").get_text(strip=True) == "End User Policy and Code of Ethics"
    assert page.select_one("#in-short-heading + ul li").get_text() == "Policy 1 in short [en]"
    assert page.select_one(".notice-body h2").get_text() == "Policy 1 [en]"
    checkbox = page.select_one("input[type=checkbox][name=accept]")
    assert page.find("label", attrs={"for": checkbox["id"]}).get_text(strip=True) == (
        "I have read and accept the End User Policy and Code of Ethics."
    )

    refused = post_form(client, POLICY_PAGE, {"version_id": str(version.id)})
    assert refused.status_code == 200
    assert refused.page.title.get_text().startswith("Error:")
    assert refused.page.select_one(".error-summary a")["href"] == "#accept"
    assert refused.page.find(id="accept")["aria-invalid"] == "true"
    assert db_session.scalar(select(PolicyAcceptance.id)) is None

    done = post_form(client, POLICY_PAGE, {"accept": "y", "version_id": str(version.id)})
    assert done.status_code == 303
    assert done.headers["Location"] == "/staff"
    acceptance = db_session.scalars(select(PolicyAcceptance)).one()
    assert (acceptance.staff_user_id, acceptance.version_id) == (user.id, version.id)
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "policy.accepted")
    ).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        str(user.id),
        "staff_user",
        str(user.id),
    )
    assert client.get("/staff").status_code == 200
    assert client.get("/staff/access-codes/new").status_code == 200
    # The policy can be read again; it says when it was accepted and asks nothing.
    again = client.get(POLICY_PAGE).page
    assert again.select_one("main form") is None
    assert "You accepted this policy on" in again.select_one(".alert--success").get_text()
    assert client.post(POLICY_PAGE, data={}).status_code == 400  # no CSRF token: refused


def test_a_newer_version_asks_again_and_says_what_changed(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    first = policy_version(db_session)
    user = everyone[Role.AGENCY_ADMIN]
    client = sign_in_as(app, db_session, user)
    post_form(client, POLICY_PAGE, {"accept": "y", "version_id": str(first.id)})
    assert client.get("/staff").status_code == 200
    # A version published for a later date asks nothing until that date comes.
    policy_version(db_session, number=3, effective_date=dt.date(2999, 1, 1))
    assert client.get("/staff").status_code == 200

    second = policy_version(db_session, number=2)
    assert client.get("/staff/users").headers["Location"] == POLICY_PAGE
    page = client.get(POLICY_PAGE).page
    assert "changed since you last accepted" in page.select_one("p.lead").get_text()
    assert "What changed in policy 2 [en]" in page.select_one(".summary-box").get_text()
    # The old version's form, sent after the new one was published, accepts nothing unseen.
    stale = post_form(client, POLICY_PAGE, {"accept": "y", "version_id": str(first.id)})
    assert stale.status_code == 200
    assert "changed while you were reading" in stale.page.select_one(".error-summary").get_text()
    post_form(client, POLICY_PAGE, {"accept": "y", "version_id": str(second.id)})
    accepted = db_session.scalars(
        select(PolicyAcceptance.version_id).where(PolicyAcceptance.staff_user_id == user.id)
    ).all()
    assert sorted(accepted) == sorted([first.id, second.id])
    assert client.get("/staff/users").status_code == 200


def test_without_a_published_policy_nobody_is_asked(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, everyone[Role.AGENCY_STAFF])
    assert client.get("/staff").status_code == 200
    assert client.get(POLICY_PAGE).status_code == 404
    assert policy_to_accept(db_session, everyone[Role.AGENCY_STAFF]) is None


def test_the_policy_is_shown_in_the_staff_users_language(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    policy_version(db_session, languages=("en", "es"))
    client = sign_in_as(app, db_session, everyone[Role.HMIS_LEAD])
    spanish = client.get(f"{POLICY_PAGE}?lang=es").page
    assert spanish.select_one(".notice-body h2").get_text() == "Policy 1 [es]"
    polish = client.get(f"{POLICY_PAGE}?lang=pl").page
    assert polish.select_one(".notice-body")["lang"] == "en"  # not translated yet: English
    assert polish.select_one(".notice-body h2").get_text() == "Policy 1 [en]"


def test_a_user_who_has_not_accepted_can_still_sign_out(
    app: Flask, db_session: Session, everyone: dict[Role, StaffUser]
) -> None:
    policy_version(db_session)
    client = sign_in_as(app, db_session, everyone[Role.AGENCY_STAFF])
    token = client.get(POLICY_PAGE).page.select_one("form.sign-out input[name=csrf_token]")
    response = client.post("/staff/sign-out", data={"csrf_token": token["value"]})
    assert response.headers["Location"] == "/staff/sign-in"
    assert client.get(POLICY_PAGE).headers["Location"] == "/staff/sign-in"


def test_the_demo_policy_loads_complete_in_three_languages(db_session: Session) -> None:
    assert load_demo_versions(db_session, DEMO_POLICY, POLICY) == 1
    db_session.commit()
    version = current_policy(db_session)
    assert version is not None
    texts = {text.language: text for text in version.texts}
    assert set(texts) == {"en", "es", "pl"}
    for language, text in texts.items():
        headings = re.findall(r"^## .+$", text.body, re.MULTILINE)
        assert len(headings) == len(re.findall(r"^## .+$", texts["en"].body, re.MULTILINE))
        assert "<" not in text.body, language
        assert "**" not in text.body, language
        assert text.in_short.startswith("- ")
        for name in ("DuPage", "Cook", "Alliance", "NIL HMIS"):
            assert name not in text.body, (language, name)
    assert "Pan " not in texts["pl"].body
    assert "Pani " not in texts["pl"].body
    assert "County Community Services" in texts["en"].body
