"""Complaints a person can send without being known, contact details that work as links, a late
request that can be escalated, and my page saying in words where each request is."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.requests.forms import contact_href, phone_digits
from portal.requests.models import Request, Status
from portal.requests.services import Author, add_event, can_escalate
from portal.timeutil import utcnow
from tests.fixtures.clients import PERSON, SignIn, signed_in_client


@pytest.fixture
def signed_in(client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    signed_in_client(client, sign_in, code)
    return client


def _complaint(client: FlaskClient, **answers: str) -> tuple[FlaskClient, object]:
    form = client.get("/complaint").page.select_one("main form")
    data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    data |= {"category": "privacy", "description": "Staff read my file aloud.", **answers}
    check = client.post("/complaint", data=data, follow_redirects=True)
    return client, check


def test_a_signed_in_client_sends_a_complaint_without_a_link_to_their_record(
    signed_in: FlaskClient, db_session: Session
) -> None:
    _, check = _complaint(signed_in, contact_method="none", contact_details="x", anonymous="y")
    send = check.page.select_one("form[action='/complaint/send']")
    data = {i["name"]: i["value"] for i in send.select("input[type=hidden]")}
    first = signed_in.post("/complaint/send", data=data)
    again = signed_in.post("/complaint/send", data=data)  # Back, and send once more
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"] == "/complaint/sent"
    found = db_session.scalars(select(Request)).one()  # one complaint, not two
    assert found.personal_id is None
    assert (found.contact_method, found.contact_details) == ("none", None)
    assert found.events[0].actor_kind == "anonymous"
    page = signed_in.get("/complaint/sent").page
    assert found.reference in page.get_text()
    assert "no one will contact you" in page.get_text()
    assert found.reference not in signed_in.get("/my-page").get_data(as_text=True)


def test_contact_details_are_checked_and_shown_back_as_links(client: FlaskClient) -> None:
    _, bad = _complaint(client, contact_method="phone", contact_details="call me maybe")
    assert bad.page.select_one(".error-summary a")["href"] == "#contact_details"
    _, bad_email = _complaint(client, contact_method="email", contact_details="person.example")
    assert "with an @" in bad_email.page.select_one(".error-summary").get_text()
    _, check = _complaint(client, contact_method="phone", contact_details="(847) 555-0100")
    assert check.page.select_one("a[href='tel:+18475550100']").get_text() == "(847) 555-0100"
    _, nobody = _complaint(client, contact_method="none")
    assert nobody.page.select_one("form[action='/complaint/send']")  # anonymous, no contact
    assert phone_digits("+48 22 555 01 00") == "+48225550100"
    assert phone_digits("555-0100") is None  # no area code
    assert contact_href("email", "a@b.example") == "mailto:a@b.example"
    assert contact_href("email", "a@b.example?cc=x@y.example") == ""
    assert contact_href("mail", "1 Main St") == ""


def test_a_late_request_can_be_escalated_and_my_page_says_what_changed(
    signed_in: FlaskClient, db_session: Session
) -> None:
    token = signed_in.get("/my-page").page.select_one("input[name=csrf_token]")["value"]
    signed_in.post("/my-record/printed-copy", data={"csrf_token": token})
    found = db_session.scalars(select(Request)).one()
    assert found.personal_id == PERSON
    home = signed_in.get("/my-page").page
    card = home.select_one(".request-card")
    assert "Received" in card.get_text()
    assert card.select_one(".badge") is None
    assert not can_escalate(found)

    found.due_at = utcnow() - dt.timedelta(days=1)
    add_event(found, "message", Author("staff"), body="std:bring_id")
    db_session.commit()
    card = signed_in.get("/my-page").page.select_one(".request-card")
    assert card.select_one(".badge").get_text() == "Changed since you last looked"
    show = signed_in.get(card.select_one("a")["href"]).page
    escalate = show.select_one("a[href$='/escalate']")
    assert escalate is not None
    assert signed_in.get("/my-page").page.select_one(".request-card .badge") is None  # seen
    token = signed_in.get(escalate["href"]).page.select_one("main form input[name=csrf_token]")
    assert signed_in.post(escalate["href"], data={"csrf_token": token["value"]}).status_code == 303
    db_session.refresh(found)
    assert found.escalated_at is not None
    assert found.status is Status.SUBMITTED  # still with the agency, marked for the lead
    assert [e.kind for e in found.events][-1] == "escalated_late"
    assert signed_in.get(escalate["href"]).status_code == 404  # once

    found.status, found.decided_at = Status.DENIED, utcnow()
    db_session.commit()
    words = signed_in.get("/my-page?lang=es").page.select_one(".request-card strong").get_text()
    assert words == "Rechazada"
