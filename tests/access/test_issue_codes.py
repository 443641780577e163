"""Staff give a client an access code: find, check identity, issue, print; revoke; kiosks."""

from __future__ import annotations

import json
import re
import time

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.models import AccessCode
from portal.access.services import live_code_for
from portal.accounts.models import Role
from portal.crypto import cipher
from tests.accounts.test_staff_sign_in import post_form, sign_in, staff_user

PERSON = "2f4b963171644a8b9902bdfe79a4b403"  # enrolled at organization 109 in edge-fy2024-bom


def _signed_in_staff(
    client: FlaskClient, db_session: Session, organization_id: str = "109"
) -> None:
    staff_user(db_session, organization_id=organization_id)
    assert sign_in(client, "cm@agency.example").status_code == 303


def test_staff_issue_a_code_and_print_a_slip_in_the_clients_language(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _signed_in_staff(client, db_session)
    confirm = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    text = confirm.page.select_one(".summary-list").get_text(" ", strip=True)
    assert "Client One" in text
    assert "October 17, 1982" in text
    token = confirm.page.select_one("form[action='/staff/access-codes'] input[name=csrf_token]")[
        "value"
    ]
    created = client.post(
        "/staff/access-codes", data={"csrf_token": token, "personal_id": PERSON, "language": "es"}
    )
    assert created.headers["Location"] == "/staff/access-codes/slip"
    issued = client.get("/staff/access-codes/slip")
    slip = issued.page.select_one("section.slip")
    assert slip["lang"] == "es"
    assert slip.find("h2").get_text(strip=True) == "Su código de acceso"
    code = slip.select_one(".slip__code").get_text(strip=True)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert slip.select_one(".slip__qr svg title") is not None
    assert live_code_for(db_session, code, app.secret_key) is not None
    stored = db_session.scalars(select(AccessCode)).one()
    assert stored.issued_by_id is not None
    assert issued.headers["Cache-Control"] == "no-store"


def test_staff_cannot_issue_for_a_client_of_another_agency(
    client: FlaskClient, db_session: Session
) -> None:
    from portal.hmis.models import Organization

    staff_user(db_session)
    db_session.add(Organization(organization_id="other", name="Other Agency"))
    db_session.commit()
    from portal.accounts.services import create_staff_user

    create_staff_user(
        db_session,
        email="other@agency.example",
        name="O",
        role=Role.AGENCY_STAFF,
        organization_id="other",
        password="violet kettle harbour lamp",
    )
    db_session.commit()
    sign_in(client, "other@agency.example")
    response = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    assert (
        "No client with this ID is enrolled at your agency"
        in response.page.select_one(".error-summary a").get_text()
    )
    assert response.page.select_one(".summary-list") is None


def test_staff_revoke_a_code(app: Flask, client: FlaskClient, db_session: Session) -> None:
    _signed_in_staff(client, db_session)
    from portal.access.services import issue_access_code

    code = issue_access_code(db_session, PERSON, app.secret_key)
    db_session.commit()
    confirm = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    token = confirm.page.select_one(
        "form[action='/staff/access-codes/revoke'] input[name=csrf_token]"
    )["value"]
    response = client.post(
        "/staff/access-codes/revoke",
        data={"csrf_token": token, "personal_id": PERSON, "language": "en"},
    )
    assert response.status_code == 303
    assert live_code_for(db_session, code, app.secret_key) is None


def test_staff_make_a_device_a_kiosk_which_then_asks_for_the_language_first(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _signed_in_staff(client, db_session)
    response = post_form(client, "/staff/kiosk", {"name": "Main shelter lobby"})
    assert response.status_code == 303
    kiosk = app.test_client()
    kiosk.set_cookie("portal_kiosk", client.get_cookie("portal_kiosk").value)
    first = kiosk.get("/").page
    assert first.find("h1").get_text(" ", strip=True).startswith("Choose your language")
    chosen = kiosk.get("/?lang=pl").page
    assert chosen.select_one(".kiosk-tag") is not None
    assert "kiosk" in chosen.find("body")["class"]


def test_forged_kiosk_cookie_is_ignored(client: FlaskClient) -> None:
    client.set_cookie("portal_kiosk", "forged.value")
    assert (
        client.get("/").page.find("h1").get_text(strip=True) == "Your HMIS record and your privacy"
    )


def test_kiosks_never_get_a_file_download(app: Flask, client: FlaskClient) -> None:
    from flask import Response

    from portal.audience import PUBLIC, audience

    @audience(PUBLIC)
    def download() -> Response:
        return Response(
            b"%PDF-1.7",
            mimetype="application/pdf",
            headers={"Content-Disposition": "attachment; filename=record.pdf"},
        )

    app.view_functions["public.home"], original = download, app.view_functions["public.home"]
    try:
        assert client.get("/").status_code == 200
        client.set_cookie(
            "portal_kiosk", URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
        )
        refused = client.get("/")
        assert refused.status_code == 403
        assert "Content-Disposition" not in refused.headers
        assert refused.page.find("h1").get_text(strip=True) == "You cannot see this page"
    finally:
        app.view_functions["public.home"] = original


def test_staff_record_that_the_client_read_the_notice_with_them(
    client: FlaskClient, db_session: Session
) -> None:
    from portal.notice.models import NoticeAcknowledgement
    from tests.factories import notice_version

    _signed_in_staff(client, db_session)
    notice_version(db_session, number=7)
    confirm = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    form = confirm.page.select_one("form[action='/staff/notice-acknowledgements']")
    assert "version 7" in form.get_text()
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        "/staff/notice-acknowledgements", data={"csrf_token": token, "personal_id": PERSON}
    )
    assert response.status_code == 303
    record = db_session.scalars(select(NoticeAcknowledgement)).one()
    assert (record.personal_id, record.channel) == (PERSON, "staff_assisted")
    again = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    assert again.page.select_one("form[action='/staff/notice-acknowledgements']") is None


def test_reloading_the_slip_shows_the_same_code_and_revokes_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _signed_in_staff(client, db_session)
    confirm = post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    token = confirm.page.select_one("form[action='/staff/access-codes'] input[name=csrf_token]")
    data = {"csrf_token": token["value"], "personal_id": PERSON, "language": "en"}
    assert client.post("/staff/access-codes", data=data).status_code == 303
    first = client.get("/staff/access-codes/slip").page.select_one(".slip__code").get_text()
    again = client.get("/staff/access-codes/slip").page.select_one(".slip__code").get_text()
    assert first == again
    assert live_code_for(db_session, first, app.secret_key) is not None
    # An hour later the slip is not shown again (the code still works).
    with client.session_transaction() as browser_session:
        slip = json.loads(cipher().decrypt(browser_session["code_slip"].encode()))
        slip["at"] = int(time.time()) - 3601
        browser_session["code_slip"] = cipher().encrypt(json.dumps(slip).encode()).decode()
    shown = client.get("/staff/access-codes/slip").page
    assert shown.find("h1").get_text(strip=True) == "The slip was already shown"
    assert shown.select_one(".slip__code") is None
    assert live_code_for(db_session, first, app.secret_key) is not None
    # Sending the issuing form again (a reload of the POST) does not replace the code unasked.
    resent = client.post("/staff/access-codes", data=data)
    assert resent.status_code == 200
    assert "already has a working code" in resent.page.get_text()
    assert live_code_for(db_session, first, app.secret_key) is not None
    assert len(db_session.scalars(select(AccessCode)).all()) == 1
    # Replacing is its own explicit, audited action.
    replaced = client.post("/staff/access-codes", data={**data, "replace": "1"})
    assert replaced.headers["Location"] == "/staff/access-codes/slip"
    second = client.get("/staff/access-codes/slip").page.select_one(".slip__code").get_text()
    assert second != first
    assert live_code_for(db_session, first, app.secret_key) is None
    from portal.audit.models import AuditEntry

    actions = list(db_session.scalars(select(AuditEntry.action)))
    assert actions.count("access_code.issued") == 1
    assert actions.count("access_code.replaced") == 1
