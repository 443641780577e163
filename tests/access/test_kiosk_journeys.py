"""At a kiosk: the language one tap from the start, no autofill of a date of birth, staff who sign
out leave the kiosk at the client's start, and the quick exit stays on the kiosk."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.access.test_issue_codes import _signed_in_staff
from tests.access.test_issue_codes import sign_in as staff_sign_in
from tests.accounts.test_staff_sign_in import post_form
from tests.fixtures.clients import SignIn, signed_in_client


def test_a_kiosk_start_page_sign_in_and_staff_sign_out(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    _signed_in_staff(client, db_session)
    assert post_form(client, "/staff/kiosk", {"name": "Lobby"}).status_code == 303
    # Setting up the kiosk signed the staff member out there (issue 17); one who signs in again
    # at the kiosk and then out leaves it at the client's first question, not staff sign-in.
    assert client.get("/staff").status_code == 303
    assert staff_sign_in(client, "cm@agency.example").status_code == 303
    token = client.get("/staff").page.select_one("form.sign-out input[name=csrf_token]")["value"]
    signed_out = client.post("/staff/sign-out", data={"csrf_token": token})
    assert signed_out.headers["Location"] == "/"
    start = client.get("/").page
    assert start.find("h1").get_text(" ", strip=True).startswith("Choose your language")
    # One tap: each language is a big link on the start page, and stays in the header after.
    languages = [a["href"] for a in start.select("a.start-action")]
    assert "/?lang=es" in languages
    chosen = client.get("/?lang=es").page
    assert chosen.find("html")["lang"] == "es"
    assert "?lang=pl" in [a["href"] for a in chosen.select(".language-chooser a")]
    sign_in = client.get("/sign-in").page
    assert {i["autocomplete"] for i in sign_in.select(".memorable-date input")} == {"off"}
    # The quick exit at a kiosk goes back to the start page (never off to the internet).
    form = sign_in.select_one("form.quick-exit")
    assert form["data-quick-exit"] == "/"
    token = form.select_one("input[name=csrf_token]")["value"]
    left = client.post("/leave-quickly", data={"csrf_token": token})
    assert left.headers["Location"] == "/"


def test_on_a_phone_the_quick_exit_goes_to_a_neutral_site(
    client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    page = client.get("/sign-in").page
    assert {i["autocomplete"] for i in page.select(".memorable-date input")} == {
        "bday-month",
        "bday-day",
        "bday-year",
    }
    # Nobody signed in: nothing to end, the button just leaves (and the page needs no session).
    form = page.select_one("form.quick-exit")
    assert (form["method"], form["action"]) == ("get", "https://www.weather.gov/")
    assert form.select_one("input[name=csrf_token]") is None
    # Signed in: the session is ended on the way out.
    signed_in_client(client, sign_in, code)
    form = client.get("/my-page").page.select_one("form.quick-exit")
    assert form["data-quick-exit"] == "https://www.weather.gov/"
    token = form.select_one("input[name=csrf_token]")["value"]
    left = client.post("/leave-quickly", data={"csrf_token": token})
    assert left.status_code == 303
    assert left.headers["Location"] == "https://www.weather.gov/"
    assert left.headers["Clear-Site-Data"] == '"cache", "storage"'
