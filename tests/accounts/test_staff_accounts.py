"""Managing staff accounts: agency administrators their own agency, the county everyone."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffSession, StaffUser
from portal.audit.models import AuditEntry
from tests.accounts.staff import (
    AGENCY_A,
    AGENCY_B,
    PASSWORD,
    hmis_world,
    make_staff,
    post_form,
    post_with_token,
    sign_in_as,
)

NEW_PASSWORD = "copper lantern meadow brook"


@pytest.fixture
def people(db_session: Session) -> dict[str, StaffUser]:
    """Two agencies' staff and administrators, and the county's lead and system administrator."""
    hmis_world(db_session)
    return {
        "staff_a": make_staff(
            db_session, Role.AGENCY_STAFF, "ann@a.example", AGENCY_A, "Ann Alpha"
        ),
        "admin_a": make_staff(
            db_session, Role.AGENCY_ADMIN, "ada@a.example", AGENCY_A, "Ada Admin"
        ),
        "staff_b": make_staff(db_session, Role.AGENCY_STAFF, "bob@b.example", AGENCY_B, "Bob Beta"),
        "admin_b": make_staff(db_session, Role.AGENCY_ADMIN, "bea@b.example", AGENCY_B, "Bea Boss"),
        "lead": make_staff(db_session, Role.HMIS_LEAD, "lee@county.example", None, "Lee Lead"),
        "sys": make_staff(db_session, Role.SYSTEM_ADMIN, "sam@county.example", None, "Sam Sys"),
    }


def _listed(client: FlaskClient, query: str = "") -> list[str]:
    page = client.get(f"/staff/users{query}").page
    return [cell.get_text(strip=True) for cell in page.select("table tbody th[scope=row]")]


def _refreshed(session: Session, user: StaffUser) -> StaffUser:
    session.expire_all()
    found = session.get(StaffUser, user.id)
    assert found is not None
    return found


def _actions(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _setup_path(response: TestResponse) -> str:
    link = response.page.select_one("code.secret").get_text(strip=True)
    match = re.search(r"(/staff/set-up/\S+)$", link)
    assert match, link
    return match.group(1)


def _choose_password(app: Flask, path: str) -> None:
    browser = app.test_client()
    done = post_form(browser, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.headers["Location"] == "/staff/set-up/done"


def _signs_in(app: Flask, email: str, password: str) -> bool:
    browser = app.test_client()
    response = post_form(browser, "/staff/sign-in", {"email": email, "password": password})
    return response.status_code == 303


def test_agency_admin_lists_only_their_own_agencys_users(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["admin_a"])
    assert _listed(client) == ["Ada Admin", "Ann Alpha"]
    page = client.get("/staff/users").page
    assert page.select_one("form.filter-form") is None  # one agency: nothing to filter
    # A filter in the URL cannot widen what an agency administrator sees.
    assert _listed(client, f"?agency={AGENCY_B}") == ["Ada Admin", "Ann Alpha"]
    row = page.select("table tbody tr")[1]
    cells = [cell.get_text(strip=True) for cell in row.select("td")]
    assert cells[:4] == ["ann@a.example", "Agency staff", "Active", "Never"]


def test_agency_admin_gets_not_found_for_anyone_else_also_when_posting(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["admin_a"])
    for name in ("staff_b", "admin_b", "lead", "sys"):
        user_id = people[name].id
        assert client.get(f"/staff/users/{user_id}").status_code == 404, name
        assert client.get(f"/staff/users/{user_id}/edit").status_code == 404, name
        for action in ("disable", "enable", "reset"):
            response = post_with_token(client, f"/staff/users/{user_id}/{action}")
            assert response.status_code == 404, (name, action)
        edit = post_with_token(
            client,
            f"/staff/users/{user_id}/edit",
            {"name": "Taken Over", "email": "x@a.example", "role": "agency_staff"},
        )
        assert edit.status_code == 404, name
    assert client.get("/staff/users/999999").status_code == 404
    for name in ("staff_b", "admin_b", "lead", "sys"):
        user = _refreshed(db_session, people[name])
        assert user.active
        assert user.password_hash is not None
        assert user.name != "Taken Over"
    assert _actions(db_session, "staff_user.disabled") == []
    assert _actions(db_session, "staff_user.reset") == []


def test_agency_staff_cannot_manage_accounts(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["staff_a"])
    assert client.get("/staff/users").status_code == 403
    assert client.get(f"/staff/users/{people['staff_a'].id}").status_code == 403
    workspace = client.get("/staff").page
    assert workspace.find("a", string="Staff accounts") is None


def test_agency_admin_creates_a_user_of_their_agency_who_sets_up_with_the_link(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["admin_a"])
    workspace = client.get("/staff").page
    assert workspace.find("a", string="Staff accounts")["href"] == "/staff/users"
    form = client.get("/staff/users/new").page
    assert [radio["value"] for radio in form.select("input[name=role]")] == [
        "agency_staff",
        "agency_admin",
    ]
    assert form.select_one("select[name=agency]") is None
    assert "Agency Alpha Shelter" in form.select_one("main dl").get_text()

    created = post_form(
        client,
        "/staff/users/new",
        # The agency field is not on the form: one sent anyway changes nothing.
        {"name": "Nia New", "email": "Nia@A.example", "role": "agency_staff", "agency": AGENCY_B},
    )
    assert created.status_code == 200
    assert created.page.find("h1").get_text(strip=True) == "The account is ready"
    assert "in person" in created.page.select_one("main ol").get_text()
    user = db_session.scalars(select(StaffUser).where(StaffUser.email == "nia@a.example")).one()
    assert (user.role, user.organization_id, user.password_hash) == (
        Role.AGENCY_STAFF,
        AGENCY_A,
        None,
    )
    entry = _actions(db_session, "staff_user.created")[0]
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "staff_user",
        str(user.id),
        str(people["admin_a"].id),
    )
    _choose_password(app, _setup_path(created))
    assert _signs_in(app, "nia@a.example", NEW_PASSWORD)
    assert "Nia New" in _listed(client)


def test_agency_admin_cannot_grant_the_county_roles(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["admin_a"])
    for role in ("hmis_lead", "system_admin"):
        refused = post_form(
            client,
            "/staff/users/new",
            {"name": "Climber", "email": f"{role}@a.example", "role": role},
        )
        assert refused.status_code == 200
        assert refused.page.select_one(".error-summary a")["href"] == "#role"
        assert "Choose a role" in refused.page.find(id="role-error").get_text()
    # Nor by changing someone's role.
    staff_a = people["staff_a"]
    refused = post_form(
        client,
        f"/staff/users/{staff_a.id}/edit",
        {"name": "Ann Alpha", "email": "ann@a.example", "role": "hmis_lead"},
    )
    assert refused.status_code == 200
    assert _refreshed(db_session, staff_a).role is Role.AGENCY_STAFF
    assert db_session.scalar(select(StaffUser.id).where(StaffUser.name == "Climber")) is None


def test_create_form_shows_each_error_next_to_its_field(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["lead"])
    empty = post_form(client, "/staff/users/new", {})
    assert empty.status_code == 200
    assert empty.page.title.get_text().startswith("Error:")
    assert [a["href"] for a in empty.page.select(".error-summary a")] == [
        "#name",
        "#email",
        "#role",
    ]
    assert empty.page.find(id="email")["aria-invalid"] == "true"

    duplicate = post_form(
        client,
        "/staff/users/new",
        {"name": "Ann Again", "email": "ANN@a.example", "role": "agency_staff", "agency": AGENCY_A},
    )
    assert duplicate.status_code == 200
    assert duplicate.page.select_one(".error-summary a")["href"] == "#email"
    assert "already exists" in duplicate.page.find(id="email-error").get_text()
    assert duplicate.page.find(id="email")["value"] == "ANN@a.example"

    no_agency = post_form(
        client,
        "/staff/users/new",
        {"name": "Nobody's", "email": "nob@a.example", "role": "agency_admin", "agency": ""},
    )
    assert "Choose the agency" in no_agency.page.find(id="agency-error").get_text()
    bad_email = post_form(
        client,
        "/staff/users/new",
        {"name": "Bad Mail", "email": "not an address", "role": "hmis_lead"},
    )
    assert "like name@agency.org" in bad_email.page.find(id="email-error").get_text()
    assert len(db_session.scalars(select(StaffUser)).all()) == 6


def test_the_hmis_lead_manages_every_agency_and_filters_by_agency(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    client = sign_in_as(app, db_session, people["lead"])
    assert _listed(client) == [
        "Ada Admin",
        "Ann Alpha",
        "Bea Boss",
        "Bob Beta",
        "Lee Lead",
        "Sam Sys",
    ]
    assert _listed(client, f"?agency={AGENCY_B}") == ["Bea Boss", "Bob Beta"]
    wrong = client.get("/staff/users?agency=NO-SUCH")
    assert wrong.page.select_one(".error-summary a")["href"] == "#agency"
    roles = [radio["value"] for radio in client.get("/staff/users/new").page.select("[name=role]")]
    assert roles == ["agency_staff", "agency_admin", "hmis_lead", "system_admin"]

    post_form(
        client,
        "/staff/users/new",
        {"name": "Bo New", "email": "bo@b.example", "role": "agency_admin", "agency": AGENCY_B},
    )
    # A county role has no agency, even when one was chosen.
    post_form(
        client,
        "/staff/users/new",
        {
            "name": "Sy New",
            "email": "sy@county.example",
            "role": "system_admin",
            "agency": AGENCY_B,
        },
    )
    created = {
        user.email: (user.role, user.organization_id)
        for user in db_session.scalars(select(StaffUser).where(StaffUser.name.like("% New")))
    }
    assert created == {
        "bo@b.example": (Role.AGENCY_ADMIN, AGENCY_B),
        "sy@county.example": (Role.SYSTEM_ADMIN, None),
    }
    detail = client.get(f"/staff/users/{people['staff_b'].id}")
    assert detail.page.find("h1").get_text(strip=True) == "Bob Beta"
    assert (
        post_with_token(client, f"/staff/users/{people['staff_b'].id}/disable").status_code == 303
    )


def test_nobody_disables_resets_or_changes_the_role_of_their_own_account(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    for name in ("admin_a", "lead"):
        me = people[name]
        client = sign_in_as(app, db_session, me)
        own = client.get(f"/staff/users/{me.id}").page
        assert own.select("main form[action$='/disable']") == []
        assert own.select("main form[action$='/reset']") == []
        refused = post_with_token(client, f"/staff/users/{me.id}/disable")
        assert refused.headers["Location"] == f"/staff/users/{me.id}"
        shown = client.get(f"/staff/users/{me.id}").page
        assert "cannot disable your own" in shown.select_one(".alert--error").get_text()
        post_with_token(client, f"/staff/users/{me.id}/reset")
        edit_page = client.get(f"/staff/users/{me.id}/edit").page
        assert edit_page.select("[name=role]") == []
        post_form(
            client,
            f"/staff/users/{me.id}/edit",
            {"name": "Renamed Me", "email": me.email, "role": "agency_staff", "agency": AGENCY_B},
        )
        after = _refreshed(db_session, me)
        assert after.active
        assert after.password_hash is not None
        assert (after.role, after.organization_id) == (me.role, me.organization_id)
        assert after.name == "Renamed Me"  # their own name and email they may fix
        assert client.get("/staff").status_code == 200  # still signed in
    assert _actions(db_session, "staff_user.disabled") == []
    assert _actions(db_session, "staff_user.reset") == []


def test_disabling_ends_a_live_session_at_once_and_enabling_lets_them_back(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    staff_a = people["staff_a"]
    their_browser = sign_in_as(app, db_session, staff_a)
    assert their_browser.get("/staff").status_code == 200
    admin = sign_in_as(app, db_session, people["admin_a"])
    page = admin.get(f"/staff/users/{staff_a.id}").page
    assert page.select_one("main form[action$='/disable'] button").get_text() == (
        "Disable the account"
    )

    done = post_with_token(admin, f"/staff/users/{staff_a.id}/disable")
    assert done.headers["Location"] == f"/staff/users/{staff_a.id}"
    assert "Disabled" in admin.get(f"/staff/users/{staff_a.id}").page.select_one("dl").get_text()
    assert their_browser.get("/staff").headers["Location"] == "/staff/sign-in"
    ended = db_session.scalars(
        select(StaffSession).where(StaffSession.staff_user_id == staff_a.id)
    ).all()
    assert [session.ended_reason for session in ended] == ["disabled"]
    assert not _signs_in(app, staff_a.email, PASSWORD)
    entry = _actions(db_session, "staff_user.disabled")[0]
    assert (entry.object_type, entry.object_id) == ("staff_user", str(staff_a.id))

    post_with_token(admin, f"/staff/users/{staff_a.id}/enable")
    assert _signs_in(app, staff_a.email, PASSWORD)
    assert len(_actions(db_session, "staff_user.enabled")) == 1


def test_reset_clears_password_and_two_step_and_gives_a_working_set_up_link(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    lead = people["lead"]
    their_browser = sign_in_as(app, db_session, lead)
    admin = sign_in_as(app, db_session, people["sys"])
    reset = post_with_token(admin, f"/staff/users/{lead.id}/reset")
    assert reset.status_code == 200
    assert reset.page.find("h1").get_text(strip=True) == (
        "The password and two-step sign-in are reset"
    )
    after = _refreshed(db_session, lead)
    assert after.password_hash is None
    assert after.totp_secret is None
    assert after.totp_last_step is None
    assert their_browser.get("/staff").headers["Location"] == "/staff/sign-in"
    assert not _signs_in(app, lead.email, PASSWORD)
    entry = _actions(db_session, "staff_user.reset")[0]
    assert (entry.object_type, entry.object_id) == ("staff_user", str(lead.id))

    _choose_password(app, _setup_path(reset))
    browser = app.test_client()
    first = post_form(browser, "/staff/sign-in", {"email": lead.email, "password": NEW_PASSWORD})
    # The lead's role needs two-step sign-in: they set it up again with their new phone.
    assert first.headers["Location"] == "/staff/two-step/set-up"
    secret = browser.get("/staff/two-step/set-up").page.select_one("code.secret").get_text()
    code = pyotp.TOTP(secret.replace(" ", "")).now()
    assert post_form(browser, "/staff/two-step/set-up", {"code": code}).headers["Location"] == (
        "/staff/two-step/recovery-codes"
    )


def test_changing_someones_role_ends_their_session_and_is_audited(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    staff_a = people["staff_a"]
    their_browser = sign_in_as(app, db_session, staff_a)
    admin = sign_in_as(app, db_session, people["admin_a"])
    edit = admin.get(f"/staff/users/{staff_a.id}/edit").page
    assert edit.find("input", attrs={"name": "role", "checked": True})["value"] == "agency_staff"
    saved = post_form(
        admin,
        f"/staff/users/{staff_a.id}/edit",
        {"name": "Ann Alpha", "email": "ann@a.example", "role": "agency_admin"},
    )
    assert saved.headers["Location"] == f"/staff/users/{staff_a.id}"
    assert _refreshed(db_session, staff_a).role is Role.AGENCY_ADMIN
    assert their_browser.get("/staff").headers["Location"] == "/staff/sign-in"
    entries = _actions(db_session, "staff_user.updated")
    assert [(e.object_type, e.object_id) for e in entries] == [("staff_user", str(staff_a.id))]


def test_audit_entries_of_account_changes_hold_no_names_or_emails(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    admin = sign_in_as(app, db_session, people["admin_a"])
    post_form(
        admin,
        "/staff/users/new",
        {"name": "Priya Private", "email": "priya@a.example", "role": "agency_staff"},
    )
    post_with_token(admin, f"/staff/users/{people['staff_a'].id}/disable")
    post_with_token(admin, f"/staff/users/{people['staff_a'].id}/reset")
    for entry in db_session.scalars(select(AuditEntry)):
        values = " ".join(str(getattr(entry, c)) for c in ("actor_id", "object_id", "object_type"))
        assert "@" not in values
        assert "Priya" not in values
