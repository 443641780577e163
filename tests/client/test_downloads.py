"""A client downloads their own record: JSON and CSV for programs, a tagged PDF to read, in the
client's language, with the full SSN, corrections, statements and withheld items."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import format_date, gettext
from jsonschema import Draft202012Validator
from pypdf import PdfReader
from pypdf.generic import BooleanObject
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.client.downloads import record_csv, record_json, record_pdf
from portal.client.record import client_record
from portal.hmis.models import Client, Enrollment
from portal.requests.corrections import add_disagreement, decide_correction
from portal.requests.models import Request, Status, WithheldItem
from portal.requests.services import CLIENT_AUTHOR, Author
from portal.timeutil import utcnow
from tests.factories import phone_correction
from tests.fixtures.clients import PERSON

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "record-schema.json").read_text("utf-8")
)
PRODUCED_AT = dt.datetime(2024, 3, 15, 15, 30)  # naive UTC, as the portal keeps time
SSN = "900451234"  # starts with 9: never a real SSN
SHOWN_SSN = "900-45-1234"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","Click")'

Download = Callable[..., bytes]


@pytest.fixture
def person(code: str, db_session: Session) -> Client:
    """Client One of edge-fy2024-bom, imported, with a (synthetic) SSN recorded."""
    client = db_session.get(Client, PERSON)
    assert client is not None
    client.ssn = SSN
    db_session.commit()
    return client


def ask_correction(db_session: Session, item_key: str, requested_value: str) -> Request:
    request = phone_correction(
        db_session,
        personal_id=PERSON,
        item_key=item_key,
        current_value="One",
        requested_value=requested_value,
        agency_id=None,
        reason="It is spelled another way.",
    )
    db_session.flush()
    return request


def disagree(db_session: Session, statement: str, item_key: str = "identity.last_name") -> None:
    """A correction asked for, denied with one of HUD's reasons, and the client's statement."""
    request = ask_correction(db_session, item_key, "Uno")
    decide_correction(
        request,
        Author("staff"),
        outcome=Status.DENIED,
        seen_version=request.version,
        denial_reason="accurate_complete",
        explanation="The ID we saw says One.",
    )
    add_disagreement(request, statement, CLIENT_AUTHOR)
    db_session.commit()


def approve(db_session: Session, item_key: str, requested_value: str) -> Request:
    request = ask_correction(db_session, item_key, requested_value)
    decide_correction(
        request,
        Author("staff"),
        outcome=Status.APPROVED,
        seen_version=request.version,
        explanation="Fixed in the HMIS.",
    )
    db_session.commit()
    return request


def download(app: Flask, db_session: Session, make: Download, language: str = "es") -> bytes:
    with app.test_request_context(f"/?lang={language}"):
        record = client_record(db_session, PERSON)
        assert record is not None
        return make(record, produced_at=PRODUCED_AT, notice_version=1, language=language)


def translated(app: Flask, message: str, language: str = "es") -> str:
    with app.test_request_context(f"/?lang={language}"):
        return gettext(message)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def structure_tags(element: Any) -> set[str]:
    """Every structure type (/H1, /Table, /TH, ...) under a node of the PDF's tag tree."""
    element = element.get_object()
    found = {str(element["/S"])} if "/S" in element else set()
    kids = element.get("/K", [])
    for kid in kids if isinstance(kids, list) else [kids]:
        if isinstance(kid.get_object(), dict):
            found |= structure_tags(kid)
    return found


def schema_errors(value: Any, schema: dict[str, Any]) -> list[str]:
    """What the jsonschema library finds wrong with value under the published schema."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(value)
    ]


def test_schema_checker_catches_a_wrong_document() -> None:
    assert schema_errors({"schema": "other", "extra": 1}, SCHEMA)


def test_json_download_follows_the_documented_schema(
    app: Flask, db_session: Session, person: Client
) -> None:
    disagree(db_session, "Mój nazwisko to Uno. ¿Por qué?")

    document = json.loads(download(app, db_session, record_json).decode("utf-8"))

    assert schema_errors(document, SCHEMA) == []
    assert document["produced_at"] == "2024-03-15T15:30:00Z"
    assert (document["language"], document["notice_version"]) == ("es", 1)
    identity = {item["key"]: item for item in document["identity"]}
    assert identity["identity.first_name"]["value"] == "Client"
    assert identity["identity.ssn"]["value"] == SHOWN_SSN  # in full: the client's own record
    assert identity["identity.last_name"]["statement_of_disagreement"] == (
        "Mój nazwisko to Uno. ¿Por qué?"
    )
    assert identity["identity.last_name"]["withheld"] is None
    assert [(r["type"], r["status"]) for r in document["requests"]] == [("correction", "denied")]
    assert document["sharing"] == {"refuses_sharing": False, "history": []}


def test_downloads_show_a_corrected_value_with_what_it_said_before(
    app: Flask, db_session: Session, person: Client
) -> None:
    decided_at = approve(db_session, "identity.first_name", "Klientka Żaneta").decided_at

    document = json.loads(download(app, db_session, record_json))
    rows = list(
        csv.DictReader(io.StringIO(download(app, db_session, record_csv).decode("utf-8-sig")))
    )
    text = pdf_text(download(app, db_session, record_pdf))

    assert schema_errors(document, SCHEMA) == []
    first = next(item for item in document["identity"] if item["key"] == "identity.first_name")
    assert first["value"] == "Klientka Żaneta"
    assert first["corrected"]["was"] == "Client"
    assert first["corrected"]["on"].endswith("Z")
    assert {row["first_name"] for row in rows} == {"Klientka Żaneta"}
    assert "Klientka Żaneta" in text  # Polish letters survive the font
    with app.test_request_context("/?lang=es"):
        note = gettext(
            "Corrected on %(date)s. Before, it said: %(old)s",
            date=format_date(decided_at, "long"),
            old="Client",
        )
    assert note in text


def test_json_download_keeps_a_withheld_item_without_its_value(
    app: Flask, db_session: Session, person: Client
) -> None:
    db_session.add(
        WithheldItem(
            personal_id=PERSON,
            item_key="identity.ssn",
            reason="endangers_safety",
            explanation="Ask your case manager.",
            withheld_at=utcnow(),
        )
    )
    db_session.commit()

    raw = download(app, db_session, record_json)

    document = json.loads(raw)
    assert schema_errors(document, SCHEMA) == []
    ssn = next(item for item in document["identity"] if item["key"] == "identity.ssn")
    assert ssn["value"] is None
    assert ssn["label"]
    assert ssn["withheld"]["reason"] == "endangers_safety"
    assert ssn["withheld"]["explanation"] == "Ask your case manager."
    assert SSN[-4:].encode() not in raw


def test_csv_download_has_one_row_per_enrollment_and_neutralises_formulas(
    app: Flask, db_session: Session, person: Client
) -> None:
    record_before = person.first_name
    person.first_name = FORMULA
    db_session.commit()

    raw = download(app, db_session, record_csv)

    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[:5] == [
        "personal_id",
        "enrollment_id",
        "project",
        "agency",
        "case_manager",
    ]
    assert {"first_name", "dob", "veteran_status", "veteran_status_code", "destination"} <= set(
        rows[0]
    )
    enrollments = db_session.scalars(
        select(Enrollment.enrollment_id).where(Enrollment.personal_id == PERSON)
    ).all()
    assert sorted(row["enrollment_id"] for row in rows) == sorted(enrollments)
    assert all(row["project"] and row["agency"] for row in rows)
    assert {row["first_name"] for row in rows} == {"'" + FORMULA}
    assert {row["dob"] for row in rows} == {"1982-10-17"}  # ISO 8601
    assert {row["ssn"] for row in rows} == {SHOWN_SSN}
    assert record_before == "Client"
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values()
    )


def test_pdf_download_is_in_spanish_with_the_full_ssn_and_the_date_it_was_made(
    app: Flask, db_session: Session, person: Client
) -> None:
    disagree(db_session, SCRIPT)

    pdf = download(app, db_session, record_pdf)

    text = pdf_text(pdf)
    assert translated(app, "Your record") in text
    assert "Aviso de privacidad, versión 1" in text  # the notice version, in Spanish
    assert "15 de marzo de 2024" in text  # produced on, in Spanish (10:30 in Chicago)
    assert translated(app, "Date of birth") == "Fecha de nacimiento"
    assert "Fecha de nacimiento" in text
    assert "17 de octubre de 1982" in text
    assert SHOWN_SSN in text
    assert "Client" in text
    assert SCRIPT in text  # what the client typed, as text
    assert translated(app, "Denied") in text  # the correction request and its status


def test_pdf_download_is_tagged_with_its_language_and_title(
    app: Flask, db_session: Session, person: Client
) -> None:
    reader = PdfReader(io.BytesIO(download(app, db_session, record_pdf, language="pl")))

    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "pl"
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/P"} <= structure_tags(
        catalog["/StructTreeRoot"]
    )
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    heading, portal = (
        translated(app, m, "pl") for m in ("Your record", "HMIS Client Privacy Portal")
    )
    assert reader.metadata is not None
    assert reader.metadata.title == f"{heading} – {portal}"


def test_pdf_download_says_an_item_is_withheld_and_why_without_showing_it(
    app: Flask, db_session: Session, person: Client
) -> None:
    db_session.add(
        WithheldItem(
            personal_id=PERSON,
            item_key="identity.ssn",
            reason="endangers_safety",
            explanation="Ask your case manager.",
            withheld_at=utcnow(),
        )
    )
    db_session.commit()

    text = pdf_text(download(app, db_session, record_pdf))

    assert SHOWN_SSN not in text
    assert SSN[-4:] not in text
    assert translated(app, "Withheld") in text
    assert translated(app, "Showing it could put someone's life or safety in danger.") in text
    assert "Ask your case manager." in text


def test_json_carries_iso_dates_and_each_coded_value_with_its_hud_field_and_code(
    app: Flask, db_session: Session, person: Client
) -> None:
    document = json.loads(download(app, db_session, record_json, language="es"))

    assert schema_errors(document, SCHEMA) == []
    identity = {item["key"]: item for item in document["identity"]}
    assert identity["identity.dob"]["value"] == "1982-10-17"
    assert identity["identity.dob"]["hud"] == {"file": "Client.csv", "fields": ["DOB"]}
    assert identity["identity.first_name"]["coded"] is None
    veteran = next(i for i in document["demographics"] if i["key"].endswith("veteran_status"))
    assert veteran["hud"]["fields"] == ["VeteranStatus"]
    (coded,) = veteran["coded"]
    assert coded["hud_field"] == "VeteranStatus"
    assert coded["label"] == translated(app, person_veteran_label(person))
    assert coded["code"] == str(person.veteran_status)
    bad = {**document, "produced_at": "15/03/2024"}
    assert schema_errors(bad, SCHEMA)  # the library does check


def person_veteran_label(person: Client) -> str:
    from portal.hmis.codes import codes

    return codes(person.data_standards, "NoYesReasonsForMissingData")[person.veteran_status or 0]


def test_pdf_names_its_issuer_the_time_with_its_zone_and_page_n_of_m(
    app: Flask, db_session: Session, person: Client
) -> None:
    text = pdf_text(download(app, db_session, record_pdf, language="en"))

    assert "Issued by County Continuum of Care" in text
    assert "hmis-help@example.org" in text
    assert re.search(r"Made on March 15, 2024,? (at )?10:30:00\s?AM (CDT|GMT-5)", text), text[:400]
    pages = len(PdfReader(io.BytesIO(download(app, db_session, record_pdf))).pages)
    assert f"Page 1 of {pages}" in text
