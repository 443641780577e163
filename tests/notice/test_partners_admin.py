"""The HMIS lead keeps the public list of partner agencies: hides an agency, describes it, gives a
contact; the public page follows, shows everything as text, and says when it last changed."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.hmis.models import Organization
from portal.notice import services
from portal.timeutil import utcnow
from tests.accounts.staff import csrf_token, make_staff, post_form, sign_in_as
from tests.factories import AGENCY_A, AGENCY_B, LONG_AGO, hmis_world

SHELTER = "Agency Alpha Shelter"
OUTREACH = "Agency Beta Outreach"
VSP = "ORG-VSP"
GONE = "ORG-GONE"


def _world(session: Session) -> None:
    """The two agencies, plus a victim service provider and an organization deleted in the HMIS."""
    hmis_world(session)
    session.add(
        Organization(
            organization_id=VSP,
            name="Safe Harbor Domestic Violence Services",
            victim_service_provider=True,
            date_created=LONG_AGO,
            date_updated=dt.datetime(2023, 5, 5, 12, 0),
        )
    )
    session.add(
        Organization(
            organization_id=GONE,
            name="Closed Drop-in Center",
            date_created=LONG_AGO,
            date_deleted=dt.datetime(2021, 3, 3, 12, 0),
        )
    )
    session.commit()


@pytest.fixture
def lead(app: Flask, db_session: Session) -> FlaskClient:
    _world(db_session)
    user = make_staff(db_session, Role.HMIS_LEAD, "lead@county.example")
    return sign_in_as(app, db_session, user)


def _public_names(client: FlaskClient) -> list[str]:
    page = client.get("/partner-agencies").page
    return [strong.get_text(strip=True) for strong in page.select(".agency-list li > strong")]


def _edit(lead: FlaskClient, organization_id: str, **data: str) -> object:
    return post_form(lead, f"/staff/partners/{organization_id}", data)


def test_lead_hides_an_agency_and_it_leaves_the_public_page(
    lead: FlaskClient, client: FlaskClient, db_session: Session
) -> None:
    assert _public_names(client) == [SHELTER, OUTREACH]

    response = _edit(lead, AGENCY_B)  # the box "show on the public list" left clear

    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/partners"
    assert _public_names(client) == [SHELTER]
    staff_page = lead.get("/staff/partners").page
    section = staff_page.find("h2", string=OUTREACH).find_parent("section")
    assert "Hidden" in section.select_one(".summary-list").get_text()
    assert lead.get(f"/staff/partners/{AGENCY_B}").page.select_one("#listed").get("checked") is None

    _edit(lead, AGENCY_B, listed="y")  # and back again
    assert _public_names(client) == [SHELTER, OUTREACH]


def test_an_edit_is_audited_and_saving_nothing_new_is_not(
    lead: FlaskClient, db_session: Session
) -> None:
    _edit(lead, AGENCY_A, listed="y", description="Beds for the night.")
    _edit(lead, AGENCY_A, listed="y", description="Beds for the night.")

    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "partners.updated")
    ).all()
    assert [(e.object_type, e.object_id, e.actor_role) for e in entries] == [
        ("organization", AGENCY_A, "hmis_lead")
    ]
    page = lead.get("/staff/partners").page
    assert page.select_one(".alert--success").get_text(strip=True) == "Nothing was changed."


def test_edit_form_shows_what_the_public_list_says_now(
    lead: FlaskClient, db_session: Session
) -> None:
    _edit(lead, AGENCY_A, listed="y", description="Beds.\nMeals.", contact="555-0100")
    page = lead.get(f"/staff/partners/{AGENCY_A}").page
    assert page.select_one("#listed").has_attr("checked")
    assert page.select_one("#description").get_text().strip() == "Beds.\nMeals."
    assert page.select_one("#contact").get_text().strip() == "555-0100"
    assert "1000 characters" in page.select_one("#description-hint").get_text()
    assert "300 characters" in page.select_one("#contact-hint").get_text()
    assert page.select_one("label[for=description]").get_text(strip=True)


def test_description_and_contact_are_shown_as_text_never_as_markup_or_links(
    lead: FlaskClient, client: FlaskClient
) -> None:
    _edit(
        lead,
        AGENCY_A,
        listed="y",
        description="<b>x</b> we help",
        contact="javascript:alert(1) or call 555-0100",
    )

    for page in (client.get("/partner-agencies").page, lead.get("/staff/partners").page):
        main = page.find("main")
        assert main.find("b") is None
        assert "<b>x</b> we help" in main.get_text()
        assert "javascript:alert(1) or call 555-0100" in main.get_text()
        assert not [a for a in main.find_all("a") if "javascript" in a.get("href", "")]
        assert not [a for a in main.find_all("a") if "555" in a.get_text()]
    public = client.get("/partner-agencies").page
    item = public.find("strong", string=SHELTER).find_parent("li")
    assert [p.get_text() for p in item.find_all("p")] == [
        "<b>x</b> we help",
        "Contact: javascript:alert(1) or call 555-0100",
    ]


def test_victim_service_providers_and_deleted_organizations_are_never_listed(
    lead: FlaskClient, client: FlaskClient
) -> None:
    assert "Safe Harbor Domestic Violence Services" not in _public_names(client)
    assert "Closed Drop-in Center" not in _public_names(client)

    page = lead.get("/staff/partners").page
    for name, status in (
        ("Safe Harbor Domestic Violence Services", "Never listed: victim service provider"),
        ("Closed Drop-in Center", "Never listed: deleted in the HMIS"),
    ):
        section = page.find("h2", string=name).find_parent("section")
        assert status in section.get_text()
        assert section.find("a") is None  # no edit control
    assert len(page.select("main section a[href^='/staff/partners/']")) == 2

    for organization_id in (VSP, GONE, "NO-SUCH-ORG"):
        assert lead.get(f"/staff/partners/{organization_id}").status_code == 404
        token = lead.get(f"/staff/partners/{AGENCY_A}").page.select_one(
            "main form input[name=csrf_token]"
        )["value"]
        response = lead.post(
            f"/staff/partners/{organization_id}",
            data={"csrf_token": token, "listed": "y", "description": "Listed after all"},
        )
        assert response.status_code == 404
    assert "Safe Harbor Domestic Violence Services" not in _public_names(client)


@pytest.mark.parametrize("role", [Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN])
def test_only_the_hmis_lead_reaches_the_staff_pages(
    app: Flask, db_session: Session, role: Role
) -> None:
    _world(db_session)
    agency = AGENCY_A if role.needs_agency else None
    user = make_staff(db_session, role, f"{role.value}@agency.example", agency=agency)
    staff = sign_in_as(app, db_session, user)
    assert staff.get("/staff/partners").status_code == 403
    assert staff.get(f"/staff/partners/{AGENCY_A}").status_code == 403
    data = {"csrf_token": csrf_token(staff, "/staff"), "description": "Taken over"}
    assert staff.post(f"/staff/partners/{AGENCY_A}", data=data).status_code == 403
    assert db_session.get(Organization, AGENCY_A).public_description is None  # type: ignore[union-attr]


def test_anonymous_visitors_are_sent_to_staff_sign_in(
    client: FlaskClient, db_session: Session
) -> None:
    _world(db_session)
    for path in ("/staff/partners", f"/staff/partners/{AGENCY_A}"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"] == "/staff/sign-in"


def test_last_changed_date_moves_with_an_edit(
    app: Flask, lead: FlaskClient, client: FlaskClient, db_session: Session
) -> None:
    meta = client.get("/partner-agencies").page.select_one(".notice-meta").get_text()
    # The import's latest change to a listed agency; the deleted one left the list in 2021.
    assert "March 3, 2021" in meta

    _edit(lead, AGENCY_B, listed="y", contact="555-0199")

    organization = db_session.get(Organization, AGENCY_B)
    assert organization is not None
    db_session.refresh(organization)
    assert organization.public_updated_at is not None
    assert utcnow() - organization.public_updated_at < dt.timedelta(minutes=1)
    with app.test_request_context():
        edited = format_date(organization.public_updated_at, "long")
    meta = client.get("/partner-agencies").page.select_one(".notice-meta").get_text()
    assert edited in meta
    assert "2021" not in meta


def test_list_changed_at_ignores_what_the_public_never_sees(db_session: Session) -> None:
    _world(db_session)
    before = services.partner_list_changed_at(db_session)
    # The deletion counts; the victim service provider's change in 2023 does not.
    assert before == dt.datetime(2021, 3, 3, 12, 0)
    hidden = db_session.get(Organization, AGENCY_A)
    assert hidden is not None
    hidden.hidden_from_public = True
    hidden.public_updated_at = dt.datetime(2022, 1, 1)
    db_session.commit()
    hidden.date_updated = dt.datetime(2024, 6, 1)  # the import changes an agency nobody sees
    db_session.commit()
    assert services.partner_list_changed_at(db_session) == dt.datetime(2022, 1, 1)


def test_over_long_description_is_shown_next_to_the_field_and_kept(
    lead: FlaskClient, client: FlaskClient, db_session: Session
) -> None:
    typed = "Warm meals and beds. " * 48 + "x" * 10  # 1018 characters
    assert len(typed.strip()) > 1000

    response = _edit(lead, AGENCY_A, listed="y", description=typed, contact="555-0100")

    assert response.status_code == 200
    page = response.page
    assert page.title.get_text().startswith("Error:")
    error = page.select_one("#description-error")
    assert "1000 characters or fewer" in error.get_text()
    assert "It has 1018" in error.get_text()
    assert page.select_one(".error-summary a")["href"] == "#description"
    textarea = page.select_one("#description")
    assert textarea["aria-invalid"] == "true"
    assert "description-error" in textarea["aria-describedby"].split()
    assert textarea.get_text().strip() == typed.strip()
    assert page.select_one("#contact").get_text().strip() == "555-0100"
    assert page.select_one("#listed").has_attr("checked")
    assert db_session.get(Organization, AGENCY_A).public_description is None  # type: ignore[union-attr]
    assert "Warm meals" not in client.get("/partner-agencies").page.get_text()


def test_over_long_contact_is_refused_next_to_its_field(lead: FlaskClient) -> None:
    page = _edit(lead, AGENCY_A, listed="y", contact="5" * 301).page
    assert "300 characters or fewer" in page.select_one("#contact-error").get_text()
    assert page.select_one("#description-error") is None
