"""Access fixtures: a synthetic client with a live code, and the sign-in form as a function."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.access.services import issue_access_code
from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV
from tests.factories import notice_version

PERSON = "2f4b963171644a8b9902bdfe79a4b403"  # edge-fy2024-bom: "Client One", born 1982-10-17
DOB = {"dob_month": "10", "dob_day": "17", "dob_year": "1982"}
NOT_RIGHT = "The access code or the date of birth is not right. Check both and try again."


@pytest.fixture
def code(app: Flask, db_session: Session) -> str:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    notice_version(db_session)
    issued = issue_access_code(db_session, PERSON, app.secret_key)
    db_session.commit()
    return issued


SignIn = Callable[..., TestResponse]


@pytest.fixture
def sign_in(client: FlaskClient) -> SignIn:
    def submit(code: str, **dob: str) -> TestResponse:
        page = client.get("/sign-in").page
        token = page.find("input", attrs={"name": "csrf_token"})["value"]
        return client.post("/sign-in", data={"csrf_token": token, "code": code, **(dob or DOB)})

    return submit


def signed_in_client(client: FlaskClient, sign_in: SignIn, code: str) -> None:
    assert sign_in(code).status_code == 303
    page = client.get("/privacy-notice/acknowledge").page
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    assert client.post("/privacy-notice/acknowledge", data={"csrf_token": token}).status_code == 303
