"""A correction asks for the new value the way the item needs it: HUD's choices for a coded item
(stored as HUD codes), three boxes for a date, text for a name; a new value equal to the
record's is refused next to the field."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.requests.models import Request
from tests.fixtures.clients import SignIn, signed_in_client


@pytest.fixture
def signed_in(client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    signed_in_client(client, sign_in, code)
    return client


def _answers(client: FlaskClient, item_key: str, **new: object) -> dict[str, object]:
    form = client.get(f"/my-record/correct/{item_key}").page.select_one("main form")
    hidden = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    return {**hidden, "reason": "It is wrong", "evidence": "", **new}


def _send(client: FlaskClient, item_key: str, **new: object) -> Request | None:
    url = f"/my-record/correct/{item_key}"
    answers = _answers(client, item_key, **new)
    check = client.post(url, data=answers, follow_redirects=True)
    assert check.status_code == 200
    assert check.page.select_one("form[action$='/send']") is not None, "the check page"
    send = check.page.select_one("form[action$='/send']")
    data = [(i["name"], i["value"]) for i in send.select("input[type=hidden]")]
    assert client.post(f"{url}/send", data=MultiDict(data)).status_code == 303
    return None


def _refused_at(client: FlaskClient, item_key: str, field_id: str, **new: object) -> str:
    page = client.post(f"/my-record/correct/{item_key}", data=_answers(client, item_key, **new))
    assert page.status_code == 200
    summary = page.page.select_one(".error-summary a")
    assert summary["href"] == f"#{field_id}"
    return summary.get_text()


def test_a_name_equal_to_the_record_is_refused_next_to_the_field(signed_in: FlaskClient) -> None:
    message = _refused_at(
        signed_in, "identity.first_name", "requested_value", requested_value="  client "
    )  # the record says "Client"
    assert message.startswith("This is what your record says now.")


def test_a_coded_item_offers_hud_choices_and_stores_the_code(
    signed_in: FlaskClient, db_session: Session
) -> None:
    page = signed_in.get("/my-record/correct/demographics.veteran_status?lang=es").page
    labels = [label.get_text() for label in page.select("fieldset .radio__label")]
    assert "Sí" in labels
    assert "No" in labels
    assert "99" not in [i["value"] for i in page.select("input[name=new_code]")]
    now = page.select_one("input[name=new_code][checked]")
    assert now is None  # nothing chosen for the client
    record_code = db_session.scalar(select(Request.requested_code))  # nothing yet
    assert record_code is None
    _send(signed_in, "demographics.veteran_status", new_code="1")
    stored = db_session.scalars(select(Request)).one()
    assert (stored.requested_code, stored.requested_value) == ("1", "Yes")


def test_several_codes_and_the_same_codes_refused(
    signed_in: FlaskClient, db_session: Session
) -> None:
    page = signed_in.get("/my-record/correct/demographics.gender").page
    assert len(page.select("input[type=checkbox][name=new_code]")) == 9  # 99 is not offered
    _send(signed_in, "demographics.gender", new_code=["0", "4"])
    stored = db_session.scalars(select(Request)).one()
    assert stored.requested_code == "0;4"
    assert stored.requested_value == "Woman (Girl, if child), Non-Binary"


def test_race_offers_doesnt_know_and_prefers_not_to_answer_as_answers_of_their_own(
    signed_in: FlaskClient, db_session: Session
) -> None:
    page = signed_in.get("/my-record/correct/demographics.race").page
    offered = {
        box["value"]: page.select_one(f"label[for={box['id']}]").get_text()
        for box in page.select("input[type=checkbox][name=new_code]")
    }
    assert "RaceNone" not in offered  # HUD's column, not an answer
    assert offered["8"] == "Client doesn't know"
    assert offered["9"] == "Client prefers not to answer"
    assert "99" not in offered
    message = _refused_at(signed_in, "demographics.race", "new_code", new_code=["White", "8"])
    assert "only on its own" in message
    _send(signed_in, "demographics.race", new_code=["9"])
    stored = db_session.scalars(select(Request)).one()
    assert (stored.requested_code, stored.requested_value) == ("9", "Client prefers not to answer")


def test_a_date_is_three_boxes_and_stored_as_iso(
    signed_in: FlaskClient, db_session: Session
) -> None:
    page = signed_in.get("/my-record/correct/identity.dob").page
    assert [i["name"] for i in page.select("fieldset input")] == [
        "new_month",
        "new_day",
        "new_year",
    ]
    same = _refused_at(
        signed_in, "identity.dob", "new_month", new_month="10", new_day="17", new_year="1982"
    )
    assert same.startswith("This is what your record says now.")
    bad = _refused_at(
        signed_in, "identity.dob", "new_month", new_month="2", new_day="30", new_year="1982"
    )
    assert bad.startswith("Enter the date as month, day and year")
    _send(signed_in, "identity.dob", new_month="10", new_day="18", new_year="1982")
    stored = db_session.scalars(select(Request)).one()
    assert stored.requested_value == "1982-10-18"
    assert stored.current_value == "1982-10-17"


def test_the_check_page_is_a_page_of_its_own_and_a_second_send_is_a_no_op(
    signed_in: FlaskClient, db_session: Session
) -> None:
    url = "/my-record/correct/identity.first_name"
    answers = _answers(signed_in, "identity.first_name", requested_value="Klient")
    continued = signed_in.post(url, data=answers)
    assert continued.status_code == 303  # Post/Redirect/Get
    check_url = continued.headers["Location"]
    assert check_url.startswith(f"{url}/check?key=")
    assert "Klient" not in check_url  # nothing typed travels in the URL
    check = signed_in.get(check_url)
    assert signed_in.get(check_url).page.get_text() == check.page.get_text()  # reload: the same
    change = check.page.select_one(f"a[href^='{url}?key=']")
    assert signed_in.get(change["href"]).page.select_one("#requested_value")["value"] == "Klient"
    send = check.page.select_one("form[action$='/send']")
    data = MultiDict([(i["name"], i["value"]) for i in send.select("input[type=hidden]")])
    first = signed_in.post(f"{url}/send", data=data)
    second = signed_in.post(f"{url}/send", data=data)  # Back, and send again
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db_session.scalars(select(Request)).all()) == 1
    back = signed_in.get(check_url)  # Back to the check page after sending: its result
    assert back.status_code == 303
    assert back.headers["Location"] == first.headers["Location"]
