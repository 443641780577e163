"""A client's requests over HTTP: record, corrections, printed copy, complaints, withdraw, and
that one client can never reach another's."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.audit.models import AuditEntry
from portal.requests import corrections
from portal.requests.models import Request, RequestType, Status
from portal.requests.services import Author, new_submission_key
from tests.fixtures.clients import SignIn, signed_in_client

OTHER = "4c9da990d51b4ed1a2e45b972aeaecee"  # "Client Two" of the same export
ITEM = "identity.first_name"
STAFF = Author("staff")


def _token(client: FlaskClient, url: str) -> str:
    return client.get(url).page.find("input", attrs={"name": "csrf_token"})["value"]


def _hidden(client: FlaskClient, url: str, name: str) -> str:
    return client.get(url).page.find("input", attrs={"name": name})["value"]


@pytest.fixture
def signed_in(client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    signed_in_client(client, sign_in, code)
    return client


def _ask_correction(client: FlaskClient, value: str = "Clientina", key: str | None = None):  # type: ignore[no-untyped-def]
    url = f"/my-record/correct/{ITEM}"
    token = _token(client, url)
    key = key or _hidden(client, url, "submission_key")
    answers = {
        "csrf_token": token,
        "submission_key": key,
        "requested_value": value,
        "reason": "My name is spelled <b>wrong</b>",
        "evidence": "",
    }
    check = client.post(url, data=answers, follow_redirects=True)
    assert check.status_code == 200
    seen = check.page.find("input", attrs={"name": "seen_value"})["value"]
    return client.post(f"{url}/send", data={**answers, "seen_value": seen})


def test_record_page_shows_the_record_with_the_ssn_masked(
    signed_in: FlaskClient, db_session: Session
) -> None:
    page = signed_in.get("/my-record")
    assert page.status_code == 200
    text = page.page.get_text(" ", strip=True)
    assert "Client" in text
    assert "One" in text
    assert "October 17, 1982" in text
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert "client.record_viewed" in actions


def test_ssn_reveal_is_audited(signed_in: FlaskClient, db_session: Session) -> None:
    assert signed_in.get("/my-record/ssn").status_code == 200
    assert db_session.scalar(select(func.count()).where(AuditEntry.action == "client.ssn_revealed"))


def test_a_correction_goes_through_check_and_sends_once(
    signed_in: FlaskClient, db_session: Session
) -> None:
    url = f"/my-record/correct/{ITEM}"
    key = _hidden(signed_in, url, "submission_key")
    first = _ask_correction(signed_in, key=key)
    assert first.status_code == 303
    second = _ask_correction(signed_in, key=key)  # the same form sent again
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    requests = list(db_session.scalars(select(Request)))
    assert len(requests) == 1
    assert requests[0].current_value == "Client"
    confirmation = signed_in.get(first.headers["Location"])
    assert requests[0].reference in confirmation.page.get_text()
    # The HTML the client typed is shown as text, never as markup.
    assert confirmation.page.find("b") is None
    assert "<b>wrong</b>" in confirmation.page.get_text()


def test_one_open_correction_per_item(signed_in: FlaskClient, db_session: Session) -> None:
    assert _ask_correction(signed_in).status_code == 303
    again = signed_in.get(f"/my-record/correct/{ITEM}")
    assert "You already asked to fix this" in again.page.get_text()
    refused = _ask_correction(signed_in, value="Other", key=new_submission_key())
    assert refused.status_code == 303
    assert db_session.scalar(select(func.count()).select_from(Request)) == 1


def test_bad_input_keeps_what_was_typed(signed_in: FlaskClient) -> None:
    url = f"/my-record/correct/{ITEM}"
    token = _token(signed_in, url)
    page = signed_in.post(
        url,
        data={"csrf_token": token, "requested_value": "", "reason": "x" * 1001 + "\x07"},
    )
    assert page.status_code == 200
    errors = page.page.select(".error-message")
    assert len(errors) == 2
    assert "Enter what it should say." in errors[0].get_text()
    assert "1000 characters or fewer" in errors[1].get_text()
    # (an HTML parser drops the newline WTForms puts after <textarea>)
    typed = page.page.find("textarea", attrs={"name": "reason"}).get_text().lstrip("\r\n")
    assert typed == "x" * 1001


def test_an_approved_correction_shows_the_new_value_and_the_old_one(
    signed_in: FlaskClient, db_session: Session
) -> None:
    _ask_correction(signed_in)
    found = db_session.scalars(select(Request)).one()
    corrections.decide_correction(
        found,
        STAFF,
        outcome=Status.APPROVED,
        seen_version=found.version,
        explanation="Fixed.",
    )
    db_session.commit()
    text = signed_in.get("/my-record").page.get_text(" ", strip=True)
    assert "Clientina" in text
    assert "Before, it said: Client" in text


def test_a_denial_allows_one_statement_of_disagreement(
    signed_in: FlaskClient, db_session: Session
) -> None:
    _ask_correction(signed_in)
    found = db_session.scalars(select(Request)).one()
    corrections.decide_correction(
        found,
        STAFF,
        outcome=Status.DENIED,
        seen_version=found.version,
        denial_reason="accurate_complete",
        explanation="The ID shows Client.",
    )
    db_session.commit()
    url = f"/my-requests/{found.reference}/statement"
    token = _token(signed_in, url)
    response = signed_in.post(url, data={"csrf_token": token, "statement": "It is wrong."})
    assert response.status_code == 303
    record_text = signed_in.get("/my-record").page.get_text(" ", strip=True)
    assert "Your statement of disagreement: It is wrong." in record_text
    again = signed_in.post(url, data={"csrf_token": token, "statement": "Twice."})
    assert again.status_code == 303
    db_session.refresh(found)
    assert found.disagreement == "It is wrong."


def test_a_stale_decision_is_refused(signed_in: FlaskClient, db_session: Session) -> None:
    _ask_correction(signed_in)
    found = db_session.scalars(select(Request)).one()
    seen = found.version
    found.status = Status.IN_REVIEW
    db_session.commit()
    with pytest.raises(corrections.RequestRefused):
        corrections.decide_correction(
            found, STAFF, outcome=Status.APPROVED, seen_version=seen, explanation="x"
        )


def test_withdraw_until_decided(signed_in: FlaskClient, db_session: Session) -> None:
    _ask_correction(signed_in)
    found = db_session.scalars(select(Request)).one()
    url = f"/my-requests/{found.reference}/withdraw"
    token = _token(signed_in, url)
    assert signed_in.post(url, data={"csrf_token": token}).status_code == 303
    db_session.refresh(found)
    assert found.status is Status.WITHDRAWN
    # A withdrawn request stays withdrawn; a second withdraw changes nothing.
    assert signed_in.post(url, data={"csrf_token": token}).status_code == 303
    db_session.refresh(found)
    assert [event.kind for event in found.events] == ["submitted", "withdrawn"]


def test_printed_copy_request(signed_in: FlaskClient, db_session: Session) -> None:
    url = "/my-record/printed-copy"
    key = _hidden(signed_in, url, "submission_key")
    data = {"csrf_token": _token(signed_in, url), "submission_key": key}
    response = signed_in.post(url, data=data)
    assert response.status_code == 303
    found = db_session.scalars(select(Request)).one()
    assert found.type is RequestType.PRINTED_COPY
    assert (found.due_at - found.submitted_at).days == 30


def test_complaint_without_signing_in_needs_a_way_to_answer(
    client: FlaskClient, db_session: Session
) -> None:
    token = _token(client, "/complaint")
    answers = {
        "csrf_token": token,
        "category": "privacy",
        "description": "Staff read my file aloud.",
        "contact_method": "phone",
        "contact_details": "",
    }
    missing = client.post("/complaint", data=answers)
    assert "Enter how we can reach you" in missing.page.get_text()
    answers["contact_details"] = "(847) 555-0100"
    check = client.post("/complaint", data=answers, follow_redirects=True)
    assert "Check your complaint" in check.page.get_text()
    sent = client.post("/complaint/send", data=answers)
    assert sent.status_code == 303  # Post/Redirect/Get
    assert sent.headers["Location"] == "/complaint/sent"
    found = db_session.scalars(select(Request)).one()
    assert found.type is RequestType.COMPLAINT
    assert found.personal_id is None
    assert found.reference in client.get("/complaint/sent").page.get_text()


def test_one_client_never_reaches_another_clients_requests(
    app: Flask, signed_in: FlaskClient, db_session: Session, sign_in: SignIn
) -> None:
    _ask_correction(signed_in)
    mine = db_session.scalars(select(Request)).one()
    signed_in.post("/sign-out", data={"csrf_token": _token(signed_in, "/my-page")})
    other_code = issue_access_code(db_session, OTHER, app.secret_key)
    db_session.commit()
    response = sign_in(other_code, dob_month="6", dob_day="9", dob_year="1990")
    assert response.status_code == 303
    token = _token(signed_in, "/privacy-notice/acknowledge")
    signed_in.post("/privacy-notice/acknowledge", data={"csrf_token": token})
    reference = mine.reference
    for url in (
        f"/my-requests/{reference}",
        f"/my-requests/{reference}/sent",
        f"/my-requests/{reference}/withdraw",
        f"/my-requests/{reference}/statement",
        f"/sharing/receipt/{reference}",
    ):
        response = signed_in.get(url)
        assert response.status_code == 404, url
        assert reference not in response.get_data(as_text=True)
    token = _token(signed_in, "/my-page")
    assert (
        signed_in.post(f"/my-requests/{reference}/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    listing = signed_in.get("/my-requests").get_data(as_text=True)
    assert reference not in listing
    db_session.refresh(mine)
    assert mine.status is Status.SUBMITTED


def test_a_standard_message_reaches_the_client_in_their_language(
    signed_in: FlaskClient, db_session: Session
) -> None:
    from portal.requests.services import add_event

    _ask_correction(signed_in)
    found = db_session.scalars(select(Request)).one()
    add_event(found, "message", STAFF, body="std:bring_id")
    add_event(found, "note", STAFF, body="Internal canary note", client_visible=False)
    db_session.commit()
    text = signed_in.get(f"/my-requests/{found.reference}?lang=es").page.get_text(" ")
    assert "Por favor, traiga una identificación" in text
    assert "std:" not in text
    assert "Internal canary note" not in text


def test_complaints_without_signing_in_are_slowed_after_five_an_hour(
    client: FlaskClient, db_session: Session
) -> None:
    answers = {
        "category": "other",
        "description": "Words",
        "contact_method": "email",
        "contact_details": "person@example.org",
    }
    for _ in range(5):
        token = _token(client, "/complaint")
        assert (
            client.post("/complaint/send", data={**answers, "csrf_token": token}).status_code == 303
        )
    token = _token(client, "/complaint")
    refused = client.post("/complaint/send", data={**answers, "csrf_token": token})
    assert refused.status_code == 429
    assert "Many complaints came from this device" in refused.page.get_text()
    assert (
        refused.page.find("textarea", attrs={"name": "description"}).get_text().strip() == "Words"
    )
    assert db_session.scalar(select(func.count()).select_from(Request)) == 5
