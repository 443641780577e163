"""Signing the refusal and restore forms over HTTP, without JavaScript."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.notice.models import NoticeVersion
from portal.notice.services import in_language, load_demo_versions
from portal.requests.models import Request, RequestType
from portal.sharing.rule import sharing_history
from portal.sharing.services import DEMO_SHARING_FORMS
from tests.fixtures.clients import PERSON, SignIn, signed_in_client


@pytest.fixture
def signed_in(client: FlaskClient, sign_in: SignIn, code: str, db_session: Session) -> FlaskClient:
    for kind, folder in DEMO_SHARING_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    db_session.commit()
    signed_in_client(client, sign_in, code)
    return client


def _fields(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The hidden fields of the page's last form (the one that moves on)."""
    form = page.find_all("form")[-1]
    fields: dict[str, list[str]] = {}
    for element in form.find_all("input", attrs={"type": "hidden"}):
        fields.setdefault(element["name"], []).append(element.get("value", ""))
    return fields


def _walk_to_check(client: FlaskClient, action: str, name: str = "Client One"):  # type: ignore[no-untyped-def]
    read = client.get(f"/sharing/{action}")
    assert read.status_code == 200
    sign = client.post(
        f"/sharing/{action}", data={**_fields(read.page), "step": "read"}, follow_redirects=True
    )
    assert "Sign the form" in sign.page.get_text()
    empty = client.post(f"/sharing/{action}", data={**_fields(sign.page), "step": "sign"})
    errors = [e.get_text(strip=True) for e in empty.page.select(".error-message")]
    assert any("Tick the box" in e for e in errors)
    assert any("full name" in e for e in errors)
    check = client.post(
        f"/sharing/{action}",
        data={**_fields(sign.page), "step": "sign", "agree": "y", "signed_name": name},
        follow_redirects=True,
    )
    assert "Check before you sign" in check.page.get_text()
    return check


def test_refuse_then_restore(signed_in: FlaskClient, db_session: Session) -> None:
    check = _walk_to_check(signed_in, "stop", name="Client <One>")  # markup-like, and the name
    button = check.page.find_all("form")[-1].find("button").get_text(strip=True)
    assert button == "Sign and stop sharing"
    assert sharing_history(db_session, PERSON).refused_now is False
    sent = signed_in.post("/sharing/stop/sign", data=_fields(check.page))
    assert sent.status_code == 303
    assert sharing_history(db_session, PERSON).refused_now is True
    receipt = signed_in.get(sent.headers["Location"])
    text = receipt.page.get_text(" ", strip=True)
    signed = db_session.scalars(select(Request)).one()
    assert signed.type is RequestType.SHARING_REFUSAL
    assert signed.reference in text
    assert signed.form_text_sha256 in text
    assert "Client <One>" in text
    assert receipt.page.find("one") is None
    pdf = signed_in.get(f"/sharing/receipt/{signed.reference}/pdf")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert signed.reference in pdf_text
    assert signed.form_text_sha256 in pdf_text.replace("\n", "")
    assert "Client <One>" in pdf_text
    # The receipt carries the text signed, the time with its zone, and the page count.
    version = db_session.get(NoticeVersion, signed.form_version_id)
    first_line = in_language(version, "en").text.body.strip().splitlines()[-1].lstrip("-* ")[:40]
    assert " ".join(first_line.split()) in " ".join(pdf_text.split())
    assert "The text you signed" in text
    assert "The text you signed" in pdf_text
    assert "Central" in text  # the time zone, by name
    assert "Page 1 of" in pdf_text
    # Sending the same page again signs nothing new.
    again = signed_in.post("/sharing/stop/sign", data=_fields(check.page))
    assert again.headers["Location"] == sent.headers["Location"]
    # Now only the restore form is offered, and it works the same way.
    assert signed_in.get("/sharing/stop").status_code == 303
    check = _walk_to_check(signed_in, "start")
    assert signed_in.post("/sharing/start/sign", data=_fields(check.page)).status_code == 303
    assert sharing_history(db_session, PERSON).refused_now is False
    # After the restore: one current state, and the history of both changes.
    status = signed_in.get("/sharing").page
    assert "Your record is shared with the partner agencies." in status.get_text()
    history = [li.get_text() for li in status.select(".sharing-history li")]
    assert len(history) == 2
    assert history[0].endswith("sharing stopped")
    assert history[1].endswith("sharing started again")


def test_a_form_version_published_meanwhile_is_read_first(
    signed_in: FlaskClient, db_session: Session
) -> None:
    check = _walk_to_check(signed_in, "stop")
    fields = _fields(check.page)
    fields["version_id"] = ["999"]
    response = signed_in.post("/sharing/stop/sign", data=fields)
    assert response.status_code == 303
    assert not sharing_history(db_session, PERSON).refused_now


def test_the_typed_signature_must_be_the_clients_name(
    signed_in: FlaskClient, db_session: Session
) -> None:
    read = signed_in.get("/sharing/stop")
    sign = signed_in.post(
        "/sharing/stop", data={**_fields(read.page), "step": "read"}, follow_redirects=True
    )
    wrong = signed_in.post(
        "/sharing/stop",
        data={**_fields(sign.page), "step": "sign", "agree": "y", "signed_name": "Someone Else"},
    )
    error = wrong.page.select_one("#signed_name-error").get_text(" ", strip=True)
    assert error.endswith("Type your name as it is in your record: Client One")
    assert wrong.page.select_one(".error-summary a[href='#signed_name']")
    # Accents, case and spacing do not matter.
    check = _walk_to_check(signed_in, "stop", name="  CLÍENT   one ")
    assert check.page.select_one("form[action='/sharing/stop/sign']")


def test_each_step_is_a_page_of_its_own_and_back_after_signing_shows_the_receipt(
    signed_in: FlaskClient, db_session: Session
) -> None:
    read = signed_in.get("/sharing/stop")
    step = signed_in.post("/sharing/stop", data={**_fields(read.page), "step": "read"})
    assert step.status_code == 303
    assert "page=sign" in step.headers["Location"]
    assert signed_in.get(step.headers["Location"]).status_code == 200  # reload: the same step
    check = _walk_to_check(signed_in, "stop")
    check_url = check.request.url  # the check step's own address
    assert "page=check" in check_url
    signed = signed_in.post("/sharing/stop/sign", data=_fields(check.page))
    back = signed_in.get(check_url)  # Back from the receipt
    assert back.status_code == 303
    assert back.headers["Location"] == signed.headers["Location"]
    assert len(db_session.scalars(select(Request)).all()) == 1
