"""Issue 17 item 2: client sign-in limits that cannot be turned against clients."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.accounts.test_staff_sign_in import sign_in, staff_user
from tests.fixtures.clients import DOB, PERSON

WRONG_DOB = dict(DOB, dob_day="18")


def _browser(app: Flask, address: str) -> tuple[FlaskClient, str]:
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    token = browser.get("/sign-in").page.find("input", attrs={"name": "csrf_token"})["value"]
    return browser, token


def test_a_burst_from_15_addresses_leaves_a_valid_client_able_to_sign_in(
    app: Flask, code: str
) -> None:
    regular, regular_token = _browser(app, "127.0.0.2")
    first = regular.post("/sign-in", data={"csrf_token": regular_token, "code": code, **DOB})
    assert first.status_code == 303  # this device has signed a client in before
    regular.delete_cookie("portal_session")  # keeps its device key, not the session
    regular_token = regular.get("/sign-in").page.find("input", attrs={"name": "csrf_token"})

    for host in range(2, 17):  # 15 loopback addresses, 34 failures each: 510 in all
        attacker, token = _browser(app, f"127.0.0.{host}")
        for attempt in range(34):
            attacker.delete_cookie("portal_device")  # a new device for every try
            attacker.post(
                "/sign-in",
                data={"csrf_token": token, "code": f"ZZZZ-ZZZZ-{host:04d}-{attempt:04d}", **DOB},
            )
    newcomer, token = _browser(app, "127.0.0.1")
    assert (
        newcomer.post("/sign-in", data={"csrf_token": token, "code": code, **DOB}).status_code
        == 303
    )
    # A device a client signed in on before is not slowed by its busy address.
    again = regular.post(
        "/sign-in", data={"csrf_token": regular_token["value"], "code": code, **DOB}
    )
    assert again.status_code == 303
    # A device key the browser makes up is not taken: the server issues and signs its own.
    forger, token = _browser(app, "127.0.0.1")
    forger.set_cookie("portal_device", "A" * 22)
    forger.post("/sign-in", data={"csrf_token": token, "code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", **DOB})
    assert forger.get_cookie("portal_device").value != "A" * 22


def test_a_held_code_tells_when_and_staff_lift_the_hold(
    app: Flask, code: str, db_session: Session
) -> None:
    for host in range(1, 6):  # five wrong dates of birth, from five places
        browser, token = _browser(app, f"10.0.0.{host}")
        browser.post("/sign-in", data={"csrf_token": token, "code": code, **WRONG_DOB})
    client, token = _browser(app, "10.0.1.1")
    held = client.post("/sign-in", data={"csrf_token": token, "code": code, **DOB})
    assert held.status_code == 429
    assert 0 < int(held.headers["Retry-After"]) <= 900
    assert (
        "ask the staff at your agency to lift the hold"
        in held.page.select_one(".error-summary").get_text()
    )
    spanish, token = _browser(app, "10.0.1.2")
    spanish.get("/?lang=es")
    answer = spanish.post("/sign-in", data={"csrf_token": token, "code": code, **DOB})
    assert answer.status_code == 429
    assert "15 minutos" in answer.page.select_one(".error-summary").get_text()

    staff_user(db_session)
    staff = app.test_client()
    assert sign_in(staff, "cm@agency.example").status_code == 303
    page = staff.get(f"/staff/clients/{PERSON}").page
    lift = page.select_one("form[action='/staff/access-codes/hold/lift']")
    assert lift is not None
    lifted = staff.post(
        "/staff/access-codes/hold/lift",
        data={
            "csrf_token": lift.find("input", attrs={"name": "csrf_token"})["value"],
            "personal_id": PERSON,
            "language": "en",
            "back": "client",
        },
    )
    assert lifted.headers["Location"] == f"/staff/clients/{PERSON}"
    assert (
        staff.get(f"/staff/clients/{PERSON}").page.select_one(
            "form[action='/staff/access-codes/hold/lift']"
        )
        is None
    )
    token = client.get("/sign-in").page.find("input", attrs={"name": "csrf_token"})["value"]
    assert (
        client.post("/sign-in", data={"csrf_token": token, "code": code, **DOB}).status_code == 303
    )
