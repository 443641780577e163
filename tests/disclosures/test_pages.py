"""The register and consents through their pages and commands, as the HMIS lead records them and
the client reads them back."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.consents.services import DEMO_CONSENT_FORMS
from portal.notice.services import load_demo_versions
from portal.timeutil import utcnow
from tests.client.test_downloads import pdf_text, structure_tags
from tests.fixtures.clients import PERSON, SignIn, signed_in_client

PASSWORD = "disclosure page password 2026"
WHO_SAW = {
    "en": "Who saw your information",
    "es": "Quién vio su información",
    "pl": "Kto widział Twoje informacje",
}


def _post(client: FlaskClient, path: str, data: dict[str, object], form_page: str | None = None):  # type: ignore[no-untyped-def]
    page = client.get(form_page or path).page
    token = page.select_one("main form input[name=csrf_token]")["value"]
    return client.post(path, data={"csrf_token": token, **data})


def _lead(app: Flask, db_session: Session) -> FlaskClient:
    lead = create_staff_user(
        db_session,
        email="lead@county.example",
        name="Lee Lead",
        role=Role.HMIS_LEAD,
        organization_id=None,
        password=PASSWORD,
    )
    lead.totp_secret = pyotp.random_base32()
    for kind, folder in DEMO_CONSENT_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    db_session.commit()
    staff = app.test_client()
    _post(staff, "/staff/sign-in", {"email": "lead@county.example", "password": PASSWORD})
    _post(staff, "/staff/sign-in/code", {"code": pyotp.TOTP(lead.totp_secret).now()})
    assert staff.get("/staff").status_code == 200
    return staff


def test_lead_records_a_disclosure_and_the_client_reads_it_in_three_languages(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    staff = _lead(app, db_session)
    day = utcnow().date() - dt.timedelta(days=2)
    response = _post(
        staff,
        "/staff/disclosures/new",
        {
            "personal_ids": PERSON,
            "disclosed_on": day.isoformat(),
            "recipient_organization": "Canary County Sheriff",
            "recipient_person": "Records unit",
            "purpose": "law_enforcement",
            "items": ["identity", "enrollments"],
            "basis": "Subpoena 2026-0042",
        },
    )
    assert response.status_code == 303
    shown = staff.get(response.headers["Location"]).page
    assert "Subpoena 2026-0042" in shown.select_one(".summary-list").get_text()
    assert "Lee Lead" in shown.select_one(".summary-list").get_text()
    register = staff.get("/staff/disclosures").page
    assert "Canary County Sheriff" in register.select_one("table").get_text()
    assert staff.get(f"/staff/disclosures?personal_id={PERSON}").page.select("tbody tr")
    assert not staff.get("/staff/disclosures?personal_id=OTHER").page.select("tbody tr")
    prefilled = staff.get(f"/staff/disclosures/new?personal_id={PERSON}").page
    assert prefilled.select_one("#personal_ids").get_text(strip=True) == PERSON

    refused = _post(staff, "/staff/disclosures/new", {"personal_ids": "NOT-A-CLIENT"})
    assert refused.status_code == 200
    assert refused.page.select(".error-summary li")

    signed_in_client(client, sign_in, code)
    for language, heading in WHO_SAW.items():
        page = client.get(f"/my-page/who-looked?lang={language}").page
        assert page.find("h1").get_text(strip=True) == heading
        disclosed = page.select(".access-log__item--disclosure")
        assert len(disclosed) == 1
        assert "Canary County Sheriff (Records unit)" in disclosed[0].get_text()
        assert "Subpoena 2026-0042" in disclosed[0].get_text()
    page = client.get("/my-page/who-looked?lang=en").page
    assert "Police or courts" in page.select_one(".access-log__item--disclosure").get_text()


def test_the_accounting_downloads_as_json_and_pdf(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "disclosures", "record", "--personal-id", PERSON,
            "--date", (utcnow().date() - dt.timedelta(days=1)).isoformat(),
            "--recipient", "State University", "--purpose", "research_agreement",
            "--items", "demographics,enrollments", "--basis", "Research agreement RA-7",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reference = result.stdout.strip()
    assert len(reference) == 11
    signed_in_client(client, sign_in, code)
    data = json.loads(client.get("/my-page/who-looked/download/json").get_data(as_text=True))
    disclosed = [e for e in data["entries"] if e["kind"] == "disclosure"]
    assert disclosed == [
        {
            "kind": "disclosure",
            "date": (utcnow().date() - dt.timedelta(days=1)).isoformat(),
            "at": None,
            "who": "State University",
            "what": (
                "Your race, ethnicity, gender and veteran status; "
                "The programs you were in, with dates"
            ),
            "why": "Research under a signed research agreement",
            "basis": "Research agreement RA-7",
            "reference": reference,
            "purpose": "research_agreement",
            "items": ["demographics", "enrollments"],
        }
    ]
    pdf = client.get("/my-page/who-looked/download/pdf?lang=es")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "es"
    assert {"/H1", "/Table", "/TH", "/TD"} <= structure_tags(catalog["/StructTreeRoot"])
    assert reader.metadata is not None
    assert reader.metadata.title.startswith("Quién vio su información")
    text = pdf_text(pdf.data)
    assert "State University" in text
    assert "Research agreement RA-7" in text
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


def test_a_delayed_disclosure_stays_hidden_and_the_commands_explain_themselves(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    runner = app.test_cli_runner()
    purposes = runner.invoke(args=["disclosures", "purposes"])
    assert "law_enforcement" in purposes.stdout
    assert "items: identity" in purposes.stdout
    today = utcnow().date()
    args = ["disclosures", "record", "--personal-id", PERSON, "--date", today.isoformat(),
            "--recipient", "Federal agency", "--purpose", "federal_officials",
            "--items", "identity", "--basis", "Order 99, not to be disclosed for 90 days",
            "--visible-from", (today + dt.timedelta(days=90)).isoformat()]  # fmt: skip
    assert runner.invoke(args=args).exit_code == 0
    bad = runner.invoke(args=[*args[:8], "--purpose", "nonsense", *args[10:14]])
    assert bad.exit_code != 0
    assert "purpose: unknown" in bad.output
    signed_in_client(client, sign_in, code)
    page = client.get("/my-page/who-looked").page
    assert page.select(".access-log__item--disclosure") == []
    assert runner.invoke(args=["disclosures", "verify"]).exit_code == 0


def test_client_signs_then_revokes_a_consent_and_sees_the_lead_s_paper_one(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    staff = _lead(app, db_session)
    end = utcnow().date() + dt.timedelta(days=20)
    paper = _post(
        staff,
        "/staff/consents/new",
        {
            "kind": "consent_other",
            "personal_id": PERSON,
            "recipient": "Canary Legal Aid",
            "purpose": "Help with a housing case",
            "end_date": end.isoformat(),
            "signed_name": "Synthetic Name",
        },
    )
    assert paper.status_code == 303
    signed_in_client(client, sign_in, code)
    response = _post(
        client,
        "/my-page/consents/new?form=research",
        {
            "personal_id": PERSON,
            "recipient": "State University housing study",
            "purpose": "Count stays",
            "end_date": (utcnow().date() + dt.timedelta(days=200)).isoformat(),
            "agree": "y",
            "signed_name": "Synthetic Name",
        },
    )
    assert response.status_code == 303
    page = client.get("/my-page/consents?lang=en").page
    statuses = {
        item.select_one("dd[data-value]").get_text(strip=True): item.select_one(
            ".consent__status"
        ).get_text(strip=True)
        for item in page.select(".consent")
    }
    assert statuses == {
        "State University housing study": "Active",
        "Canary Legal Aid": "Active, ends within 30 days",
    }
    research = next(i for i in page.select(".consent") if "State University" in i.get_text())
    action = research.select_one("form")["action"]
    token = research.select_one("input[name=csrf_token]")["value"]
    assert client.post(action, data={"csrf_token": token}).status_code == 303
    page = client.get("/my-page/consents?lang=en").page
    research = next(i for i in page.select(".consent") if "State University" in i.get_text())
    assert research.select_one(".consent__status").get_text(strip=True) == "Stopped by you"
    assert research.select_one("form") is None

    listed = staff.get("/staff/consents?lang=en").page
    rows = listed.select(".staff-consent")
    assert len(rows) == 2
    paper_row = next(row for row in rows if "Canary Legal Aid" in row.get_text())
    token = paper_row.select_one("input[name=csrf_token]")["value"]
    stopped = staff.post(paper_row.select_one("form")["action"], data={"csrf_token": token})
    assert stopped.status_code == 303
    page = client.get("/my-page/consents?lang=en").page
    assert [s.get_text(strip=True) for s in page.select(".consent__status")] == [
        "Stopped by you",
        "Stopped by you",
    ]


def test_the_report_page_and_the_retention_page_for_the_lead(
    app: Flask, db_session: Session, code: str
) -> None:
    staff = _lead(app, db_session)
    page = staff.get("/staff/reports/disclosures").page
    assert page.select_one("#consent-counts") is not None
    assert page.select_one("#retention-counts") is not None
    retention = staff.get("/staff/retention").page
    assert retention.find("h1").get_text(strip=True) == "Retention schedule"
    saved = _post(staff, "/staff/retention", {"identity": "9", "contact": "7", "free_text": "7"})
    assert saved.status_code == 303
    notice = app.test_client().get("/privacy-notice").page
    assert "9 years" in notice.select_one("#retention-rule").find_parent("section").get_text()


def test_a_paper_consent_for_an_adult_signed_by_someone_else_is_refused(
    app: Flask, db_session: Session, code: str
) -> None:
    staff = _lead(app, db_session)
    answers = {
        "kind": "consent_research",
        "recipient": "State University",
        "purpose": "A study",
        "end_date": (utcnow().date() + dt.timedelta(days=30)).isoformat(),
        "signed_name": "Synthetic Name",
    }
    unknown = _post(staff, "/staff/consents/new", {**answers, "personal_id": "NOBODY"})
    assert unknown.status_code == 200
    assert unknown.page.select_one(".error-summary a").get_text(strip=True) == (
        "There is no client with this HMIS Personal ID."
    )
    other_adult = _post(
        staff, "/staff/consents/new", {**answers, "personal_id": PERSON, "signed_by": "NOBODY"}
    )
    assert (
        other_adult.page.select_one(".error-summary a")
        .get_text(strip=True)
        .startswith("The signer may sign only for themselves")
    )


def test_the_lead_confirms_the_purge_on_the_retention_page(
    app: Flask, db_session: Session, code: str
) -> None:
    from portal.hmis.models import Client
    from tests.factories import PARENT, hmis_world

    hmis_world(db_session)  # enrollments in 2020
    staff = _lead(app, db_session)
    assert _post(staff, "/staff/retention", {"identity": "1", "contact": "1", "free_text": "1"})
    page = staff.get("/staff/retention").page
    due = [row.td.get_text(strip=True) for row in page.select("#due-caption ~ tbody tr")]
    assert PARENT in due
    refused = _post(staff, "/staff/retention/purge", {}, "/staff/retention")
    assert refused.status_code == 200
    assert refused.page.select_one(".error-summary") is not None
    assert (
        _post(staff, "/staff/retention/purge", {"confirm": "y"}, "/staff/retention").status_code
        == 303
    )
    db_session.expire_all()
    parent = db_session.get(Client, PARENT)
    assert parent is not None
    assert parent.first_name is None
    page = staff.get("/staff/retention").page
    due = [row.td.get_text(strip=True) for row in page.select("#due-caption ~ tbody tr")]
    assert PARENT not in due
