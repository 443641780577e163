"""Input no person types, answered with a clear refusal instead of a server error."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.fixtures.clients import SignIn


def test_a_date_part_too_big_for_any_calendar_is_a_wrong_date(
    client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    response = sign_in(code, dob_month="10", dob_day="17", dob_year="2147483648")
    assert response.status_code == 200
    assert "Enter your date of birth" in response.page.get_text()


def test_a_nul_character_anywhere_is_refused_before_any_view(client: FlaskClient) -> None:
    token = client.get("/staff/sign-in").page.select_one("main input[name=csrf_token]")["value"]
    response = client.post(
        "/staff/sign-in", data={"csrf_token": token, "email": "\x00", "password": "x"}
    )
    assert response.status_code == 400
