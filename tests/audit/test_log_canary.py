"""Log canary: a client with an unmistakable synthetic SSN and name goes through the import,
sign-in (right and wrong), staff views, a refused import and a server error; no log record
the app wrote may contain any of those values."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.hmis.models import ImportOutcome, ImportRun
from tests.accounts.test_staff_sign_in import post_form, staff_user
from tests.accounts.test_staff_sign_in import sign_in as staff_sign_in
from tests.conftest import HMIS_CSV
from tests.factories import notice_version

CANARY_SSN = "987654329"
CANARY_FIRST = "Kanarekcanary"
CANARY_LAST = "Zzyzxcanary"
CANARY_DOB = "1971-03-29"
CANARY_BAD_DOB = "1971-13-29"  # the canary date of birth, mistyped in a later export
CANARIES = (CANARY_SSN, "987-65-4329", CANARY_FIRST, CANARY_LAST, CANARY_DOB, CANARY_BAD_DOB)


def _canary_export(tmp_path: Path) -> tuple[Path, str]:
    export = tmp_path / "canary"
    shutil.copytree(HMIS_CSV / "edge-fy2024-bom", export)
    client_csv = export / "Client.csv"
    text = client_csv.read_text(encoding="utf-8")
    text = text.replace(
        'Client,"",One,"","","",99,1982-10-17',
        f'{CANARY_FIRST},"",{CANARY_LAST},"",1,{CANARY_SSN},1,{CANARY_DOB}',
        1,
    )
    assert CANARY_SSN in text
    client_csv.write_text(text, encoding="utf-8")
    return export, "2f4b963171644a8b9902bdfe79a4b403"


def test_no_log_line_carries_the_canary(
    app: Flask,
    db_session: Session,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level, the app's and its libraries'
    export, person = _canary_export(tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hmis", "import", str(export)]).exit_code == 0
    notice_version(db_session)
    code = issue_access_code(db_session, person, app.secret_key)
    db_session.commit()

    client = app.test_client()
    for day in ("30", "29"):  # a wrong date of birth, then the right one
        token = client.get("/sign-in").page.find("input", attrs={"name": "csrf_token"})["value"]
        client.post(
            "/sign-in",
            data={
                "csrf_token": token,
                "code": code,
                "dob_month": "3",
                "dob_day": day,
                "dob_year": "1971",
            },
        )
    client.get("/my-page")
    post_form(client, "/privacy-notice/acknowledge", {})
    for path in ("/my-record", "/my-record/ssn", "/my-record/download/pdf", "/my-requests"):
        assert client.get(path).status_code == 200, path
    correction = "/my-record/correct/identity.last_name"
    answers = {"requested_value": f"{CANARY_LAST}-{CANARY_SSN}", "reason": CANARY_FIRST}
    check = client.get(post_form(client, correction, answers).headers["Location"])
    seen = check.page.find("input", attrs={"name": "seen_value"})["value"]
    key = check.page.find("input", attrs={"name": "submission_key"})["value"]
    token = check.page.find("input", attrs={"name": "csrf_token"})["value"]
    sent = client.post(
        f"{correction}/send",
        data={**answers, "csrf_token": token, "submission_key": key, "seen_value": seen},
    )
    assert sent.status_code == 303
    client.get(f"/no-such-page/{CANARY_LAST}")

    staff_user(db_session)
    staff = app.test_client()
    staff_sign_in(staff, "cm@agency.example")
    post_form(staff, "/staff/access-codes/new", {"personal_id": person})

    broken = export / "Client.csv"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(CANARY_DOB, CANARY_BAD_DOB), "utf-8"
    )
    # Issue 16: a date of birth that is no date is imported blank and flagged, the raw value
    # kept nowhere: not in the report printed, the run's problems, or the stored outcomes.
    refused = runner.invoke(args=["hmis", "import", str(broken.parent)])
    assert refused.exit_code == 0
    assert "Client.csv:2:DOB: bad_date" in refused.output
    stored_reports = " ".join(
        [
            *db_session.scalars(select(ImportRun.problems)),
            *(value or "" for value in db_session.scalars(select(ImportOutcome.raw_value))),
            *db_session.scalars(select(ImportOutcome.message)),
        ]
    )

    def crash() -> str:
        raise ValueError(f"{CANARY_FIRST} {CANARY_SSN}")

    monkeypatch.setitem(app.view_functions, "public.home", crash)
    assert app.test_client().get("/").status_code == 500

    assert caplog.records, "the run should have logged something (requests, the error)"
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    written = "\n".join([logged, refused.output, stored_reports])
    leaks = [canary for canary in CANARIES if canary in written]
    assert leaks == []
