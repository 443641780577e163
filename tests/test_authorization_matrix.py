"""Who may use what, generated from the URL map (issue 6's proof).

For every route, every method, as full page and as htmx fragment, and for every kind of user
(anonymous, client A, client B, staff of A's agency, staff of another agency, the agency's data
administrator, the HMIS lead, the system administrator), before and after client A refuses
sharing: the status follows the route's declared audience, and no response ever carries a canary
value the user may not see. A new route is in the matrix the moment it is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from portal.access.services import issue_access_code
from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.audience import ANY_STAFF, CLIENT, PUBLIC
from portal.hmis.identity import record_identity_changes
from portal.hmis.models import Client, IdentityVersion
from portal.notice.services import load_demo_versions
from portal.sharing import services as sharing
from portal.timeutil import utcnow
from tests.factories import (
    ADULT_CHILD,
    AGENCY_A,
    AGENCY_B,
    PARENT,
    hmis_world,
    notice_version,
    phone_complaint,
    phone_correction,
    phone_sharing_form,
)

PASSWORD = "matrix test password 2026"
CLIENT_A, CLIENT_B = PARENT, ADULT_CHILD

# Canary values: seeded where only some users may see them, searched for in every response.
NAME_A = "Canaryparent"  # client A's name as it was (shared while A shared)
RENAMED_A = "Canaryrenamed"  # A's name entered by agency A after A refused sharing
NAME_B = "Canaryadult"  # client B's name
FIX_A = "Canaryfixvalue"  # what A's correction asks for: A's agency and the lead only
COMPLAINT_A = "Canarycomplaintwords"  # A's complaint: A and the HMIS lead only

NEVER_SEEN_BY = {
    NAME_A: {"anonymous", "client_b"},
    RENAMED_A: {"anonymous", "client_b", "staff_b"},
    NAME_B: {"anonymous", "client_a"},
    FIX_A: {"anonymous", "client_b", "staff_b"},
    COMPLAINT_A: {"anonymous", "client_b", "staff_a", "staff_b", "admin_a", "system_admin"},
}
STAFF_ROLES = {
    "staff_a": (Role.AGENCY_STAFF, AGENCY_A),
    "staff_b": (Role.AGENCY_STAFF, AGENCY_B),
    "admin_a": (Role.AGENCY_ADMIN, AGENCY_A),
    "hmis_lead": (Role.HMIS_LEAD, None),
    "system_admin": (Role.SYSTEM_ADMIN, None),
}
USERS = ("anonymous", "client_a", "client_b", *STAFF_ROLES)
ENDS_SESSION = {
    "access.sign_out",
    "access.quick_exit",
    "accounts.sign_out",
    "public.start_over",
    "client.phone_hand_off",  # the kiosk is signed out once the phone has the link
    "access.kiosk_edit",  # a kiosk set-up signs the staff member out there
}
SIGN_IN_PAGES = ("/sign-in", "/staff/sign-in")
# Sent with every POST, so staff forms that look a client up do look client A up.
FORM_DATA = {"personal_id": CLIENT_A, "language": "en"}
# Steps inside a staff sign-in: with no sign-in under way they send anyone back to its start.
SIGN_IN_STEPS = {"accounts.sign_in_code", "accounts.sign_in_recovery", "accounts.two_step_setup"}


@dataclass
class World:
    reference_a: str
    spare_user_id: int  # a user of agency A nobody signs in as: admins may change them


def _seed(app: Flask, session: Session, refused: bool) -> World:
    hmis_world(session)
    for kind, folder in sharing.DEMO_SHARING_FORMS.items():
        load_demo_versions(session, folder, kind)
    notice_version(session)
    correction = phone_correction(
        session,
        personal_id=CLIENT_A,
        item_key="identity.first_name",
        current_value=NAME_A,
        requested_value=FIX_A,
        agency_id=AGENCY_A,
    )
    phone_complaint(session, personal_id=CLIENT_A, description=COMPLAINT_A)
    if refused:
        phone_sharing_form(session, personal_id=CLIENT_A, signed_name="Signed Name")
        later = utcnow() + dt.timedelta(seconds=1)
        client = session.get(Client, CLIENT_A)
        assert client is not None
        client.first_name, client.date_updated = RENAMED_A, later
        session.flush()
        record_identity_changes(session, [CLIENT_A], later)
        newest = session.scalars(
            select(IdentityVersion)
            .where(IdentityVersion.valid_to.is_(None))
            .where(IdentityVersion.personal_id == CLIENT_A)
        ).one()
        newest.agency_id = AGENCY_A
    for name, (role, agency) in STAFF_ROLES.items():
        user = create_staff_user(
            session,
            email=f"{name}@matrix.example",
            name=name,
            role=role,
            organization_id=agency,
            password=PASSWORD,
        )
        if role.needs_two_step:
            user.totp_secret = pyotp.random_base32()
    spare = create_staff_user(
        session,
        email="spare@matrix.example",
        name="spare",
        role=Role.AGENCY_STAFF,
        organization_id=AGENCY_A,
        password=PASSWORD,
    )
    session.commit()
    return World(reference_a=correction.reference, spare_user_id=spare.id)


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> None:
    token = client.get(path).page.select_one("main form input[name=csrf_token]")["value"]
    client.post(path, data={"csrf_token": token, **data})


def _signed_in(app: Flask, session: Session, user: str) -> FlaskClient:
    client = app.test_client()
    if user.startswith("client_"):
        personal_id = CLIENT_A if user == "client_a" else CLIENT_B
        person = session.get(Client, personal_id)
        assert person is not None
        assert person.dob is not None
        code = issue_access_code(session, personal_id, app.secret_key)
        session.commit()
        _post(
            client,
            "/sign-in",
            {
                "code": code,
                "dob_month": str(person.dob.month),
                "dob_day": str(person.dob.day),
                "dob_year": str(person.dob.year),
            },
        )
        if client.get("/my-page").status_code != 200:  # first time: the notice
            _post(client, "/privacy-notice/acknowledge", {})
        assert client.get("/my-page").status_code == 200, user
    elif user in STAFF_ROLES:
        _post(client, "/staff/sign-in", {"email": f"{user}@matrix.example", "password": PASSWORD})
        from portal.accounts.models import StaffUser

        staff = session.scalars(
            select(StaffUser).where(StaffUser.email == f"{user}@matrix.example")
        ).one()
        if staff.totp_secret:
            # Signing in again within the same 30 s: allow the code's step once more.
            session.refresh(staff)
            staff.totp_last_step = None
            session.commit()
            _post(client, "/staff/sign-in/code", {"code": pyotp.TOTP(staff.totp_secret).now()})
        assert client.get("/staff").status_code == 200, user
    return client


def _allowed(user: str, audience: frozenset[str]) -> bool:
    if PUBLIC in audience:
        return True
    if user.startswith("client_"):
        return CLIENT in audience
    if user in STAFF_ROLES:
        return ANY_STAFF in audience or STAFF_ROLES[user][0].value in audience
    return False


def _path(rule: Rule, world: World) -> str:
    values = {
        "reference": world.reference_a,
        "item_key": "identity.first_name",
        "file_format": "json",
        "action": "stop",
        "number": 1,
        "token": "not-a-real-token-0000000000",
        "personal_id": CLIENT_A,
        "user_id": world.spare_user_id,
        "organization_id": AGENCY_A,
        "run_id": 1,
        "view_id": 1,
        "version_id": 1,
        "kind": "privacy_notice",
    }
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def _routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    rules.sort(key=lambda rule: (rule.endpoint in ENDS_SESSION, rule.rule))
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _redirect_target(response) -> str | None:  # type: ignore[no-untyped-def]
    if response.status_code in (301, 302, 303, 307, 308):
        return response.headers["Location"]
    return response.headers.get("HX-Redirect")


@pytest.mark.parametrize("refused", [False, True], ids=["sharing", "after_refusal"])
def test_every_route_for_every_user(app: Flask, db_session: Session, refused: bool) -> None:
    world = _seed(app, db_session, refused)
    clients = {user: _signed_in(app, db_session, user) for user in USERS}
    app.config["WTF_CSRF_ENABLED"] = False  # so a POST reaches the route's own guard
    failures: list[str] = []
    checked = 0
    try:
        for rule, method in _routes(app):
            audience = app.view_functions[rule.endpoint].audience
            path = _path(rule, world)
            for user in USERS:
                for htmx in (False, True):
                    headers = {"HX-Request": "true"} if htmx else {}
                    client = clients[user]
                    # The plain client: with CSRF off, forms lack their token by design.
                    response = FlaskClient.open(
                        client, path, method=method, headers=headers, data=FORM_DATA
                    )
                    checked += 1
                    where = f"{user} {method} {path}{' (htmx)' if htmx else ''}"
                    body = response.get_data(as_text=True)
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                    target = _redirect_target(response) or ""
                    to_sign_in = any(target.endswith(page) for page in SIGN_IN_PAGES)
                    if _allowed(user, audience):
                        if response.status_code == 403 or (
                            to_sign_in and rule.endpoint not in ENDS_SESSION | SIGN_IN_STEPS
                        ):
                            failures.append(f"{where}: refused ({response.status_code})")
                    elif not (response.status_code in (403, 404) or to_sign_in):
                        failures.append(f"{where}: let in ({response.status_code})")
                    for canary, hidden_from in NEVER_SEEN_BY.items():
                        if user in hidden_from and canary in body:
                            failures.append(f"{where}: shows {canary}")
                    if rule.endpoint in ENDS_SESSION:
                        app.config["WTF_CSRF_ENABLED"] = True
                        clients[user] = _signed_in(app, db_session, user)
                        app.config["WTF_CSRF_ENABLED"] = False
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert failures == [], "\n".join(failures)
    assert checked > 500
