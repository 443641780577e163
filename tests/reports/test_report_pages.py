"""The reports page and its CSV: who may see them, the same hand-counted figures in the tables, the
charts and the download, filters in the URL, audit entries without values, and a fixed cost."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from portal.hmis.models import Organization
from portal.requests.labels import DENIAL_REASON_LABELS, STATUS_LABELS, TYPE_LABELS
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import CLIENT_AUTHOR, open_request
from tests.accounts.staff import make_staff, sign_in_as
from tests.factories import AGENCY_A, AGENCY_B, PARENT, hmis_world
from tests.reports import world
from tests.reports.world import DATES

PAGE = "/staff/reports"
EXPORT = "/staff/reports/export"


def _url(path: str, **args: str) -> str:
    return f"{path}?{urlencode(args)}"


@pytest.fixture
def people(app: Flask, db_session: Session) -> dict[str, StaffUser]:
    world.build_world(db_session)
    return {
        "lead": make_staff(db_session, Role.HMIS_LEAD, "lead@county.example"),
        "admin_a": make_staff(db_session, Role.AGENCY_ADMIN, "admin@a.example", AGENCY_A),
        "staff_a": make_staff(db_session, Role.AGENCY_STAFF, "staff@a.example", AGENCY_A),
        "system": make_staff(db_session, Role.SYSTEM_ADMIN, "ops@county.example"),
    }


@pytest.fixture
def lead(app: Flask, db_session: Session, people: dict[str, StaffUser]) -> FlaskClient:
    return sign_in_as(app, db_session, people["lead"])


@pytest.fixture
def admin_a(app: Flask, db_session: Session, people: dict[str, StaffUser]) -> FlaskClient:
    return sign_in_as(app, db_session, people["admin_a"])


def _number(cell: Tag) -> float | None:
    text = cell.get_text(strip=True).replace(",", "")
    return None if text == "none" else float(text)


def _type_table(page: BeautifulSoup) -> dict[str, tuple[float | None, ...]]:
    """The by-type table as {type value: (received, ..., overdue)}; the page orders the columns
    received, completed, withdrawn, not decided, extended, median, p90, overdue."""
    rows = {}
    for row in page.select("#types tr[data-type]"):
        cells = [_number(td) for td in row.find_all("td")]
        rows[row["data-type"]] = tuple(cells)
    return rows


def _expected(row: tuple[object, ...]) -> tuple[object, ...]:
    """A world row (received, completed, withdrawn, undecided, extended, overdue, median, p90) in
    the page's column order, the days rounded to one decimal place as shown."""
    received, completed, withdrawn, undecided, extended, overdue, median, p90 = row
    shown = [None if d is None else round(float(d), 1) for d in (median, p90)]  # type: ignore[arg-type]
    return (received, completed, withdrawn, undecided, extended, *shown, overdue)


def _keyed(page: BeautifulSoup, table: str, key: str) -> dict[str, float | None]:
    return {row[key]: _number(row.find("td")) for row in page.select(f"#{table} tbody tr[{key}]")}


def test_the_lead_sees_every_figure(lead: FlaskClient) -> None:
    response = lead.get(_url(PAGE, **DATES))
    assert response.status_code == 200
    page = response.page
    assert page.h1.get_text(strip=True) == "Reports"
    expected = {kind.value: _expected(row) for kind, row in world.LEAD_BY_TYPE.items()}
    expected["all"] = _expected(world.LEAD_TOTALS)
    assert _type_table(page) == expected

    months = page.select("#months-caption ~ tbody tr")
    assert [
        (row.th.get_text(strip=True), *(_number(td) for td in row.find_all("td"))) for row in months
    ] == [
        ("January 2025", *world.LEAD_MONTHS["2025-01"]),
        ("February 2025", *world.LEAD_MONTHS["2025-02"]),
        ("March 2025", *world.LEAD_MONTHS["2025-03"]),
    ]
    by_type = page.select("#types-months tbody tr")
    march = [_number(td) for td in by_type[2].find_all("td")]
    # Printed copy, correction, refusal, restore, complaint: received and completed each.
    assert march == [2, 1, 2, 0, 0, 0, 1, 1, 2, 1]

    assert _keyed(page, "outcomes", "data-outcome") == {
        outcome.value: count for outcome, count in world.LEAD_CORRECTIONS.items()
    }
    denials = {
        row["data-reason"]: [_number(td) for td in row.find_all("td")]
        for row in page.select("#denials tbody tr")
    }
    assert denials["accurate_complete"] == [1, 0]
    assert denials["another_individual"] == [0, 1]
    assert denials["repeated_harassing"] == [0, 0]
    assert list(_keyed(page, "sharing-figures", "data-figure").values()) == list(world.LEAD_SHARING)
    assert _keyed(page, "complaint-categories", "data-category") == world.COMPLAINT_CATEGORIES
    assert _keyed(page, "complaint-outcomes", "data-outcome") == world.COMPLAINT_OUTCOMES
    assert tuple(_keyed(page, "escalations", "data-figure").values()) == world.ESCALATIONS


def test_charts_are_images_with_a_title_a_description_and_the_same_numbers(
    lead: FlaskClient,
) -> None:
    page = lead.get(_url(PAGE, **DATES)).page
    charts = page.select("svg[role=img]")
    assert len(charts) == 2
    for chart in charts:
        title, desc = chart.find("title"), chart.find("desc")
        assert title.get_text(strip=True)
        assert desc.get_text(strip=True)
        assert chart["aria-labelledby"] == f"{title['id']} {desc['id']}"
        assert chart.find_next("table").caption  # a real table follows every chart
    months, outcomes = charts
    numbers = [text.get_text() for text in months.select("text")]
    # The legend, then per month its name and its two bars' numbers.
    assert numbers == [
        "Received",
        "Completed",
        "Jan 2025",
        "7",
        "6",
        "Feb 2025",
        "5",
        "5",
        "Mar 2025",
        "7",
        "3",
    ]
    assert "Received in all: 19. Completed in all: 14." in months.desc.get_text()
    # Striped and solid, not colour alone; each bar labelled with its number.
    fills = {rect.get("fill") for rect in months.select(":scope > rect")}
    assert fills == {"#005ea2", "url(#chart-months-stripes)"}
    outcome_texts = [text.get_text() for text in outcomes.select("text")]
    assert outcome_texts == ["Approved", "2", "Partly approved", "1", "Denied", "2"]


def test_one_agency_for_the_lead_is_a_filter_in_the_url(lead: FlaskClient) -> None:
    page = lead.get(_url(PAGE, agency=AGENCY_A, **DATES)).page
    assert page.select_one("#agency option[selected]")["value"] == AGENCY_A
    rows = _type_table(page)
    for kind, row in world.AGENCY_A_BY_TYPE.items():
        assert rows[kind.value] == _expected(row), kind
    assert rows["complaint"][0] == 0
    assert "Agency Alpha Shelter" in page.find("main").get_text()
    export = page.find("a", string="Download these figures (CSV)")["href"]
    assert "agency=ORG-A" in export
    assert "date_from=2025-01-01" in export


def test_an_agency_administrator_sees_only_their_agency_and_no_complaints(
    admin_a: FlaskClient,
) -> None:
    page = admin_a.get(_url(PAGE, agency=AGENCY_B, **DATES)).page  # B is not theirs: ignored
    assert page.select_one("#agency") is None
    rows = _type_table(page)
    assert "complaint" not in rows
    for kind, row in world.AGENCY_A_BY_TYPE.items():
        assert rows[kind.value] == _expected(row), kind
    assert rows["all"][0] == 10
    assert page.select_one("#complaints") is None
    assert page.select_one("#complaint-categories") is None
    assert "Complaint" not in page.select_one("#types-months").get_text()
    assert list(_keyed(page, "sharing-figures", "data-figure").values()) == list(
        world.AGENCY_A_SHARING
    )
    assert "Complaints are not included" in page.find("main").get_text()
    csv_rows = _csv(admin_a.get(_url(EXPORT, agency=AGENCY_B, **DATES)))
    assert not [row for row in csv_rows if row["Section"] == "Complaints"]
    assert not [row for row in csv_rows if row["Request type"] == "Complaint"]
    assert _value(csv_rows, "Filters", "Agency") == "Agency Alpha Shelter"


def test_without_dates_the_report_covers_the_last_twelve_months(lead: FlaskClient) -> None:
    page = lead.get(PAGE).page
    assert len(page.select("#months-caption ~ tbody tr")) == 12
    assert page.select_one("#date_from")["value"].endswith("-01")
    assert _type_table(page)["all"][0] == 0  # the world is in 2025
    assert _type_table(page)["all"][-1] == world.LEAD_TOTALS[5]  # overdue now, all the same


def test_filters_that_make_no_sense_are_explained(lead: FlaskClient) -> None:
    response = lead.get(_url(PAGE, date_from="2025-03-01", date_to="2025-02-01"))
    assert response.status_code == 200
    page = response.page
    assert page.title.get_text().startswith("Error: Reports")
    assert page.select_one(".error-summary a")["href"] == "#date_to"
    assert page.select_one("#types") is None
    page = lead.get(_url(PAGE, date_from="31/02/2025", agency="NOT-AN-AGENCY")).page
    errors = [a.get_text(strip=True) for a in page.select(".error-summary a")]
    assert errors == ["Choose an agency from the list.", "Enter a real date, like 2026-03-31."]
    for dates in (
        {"date_from": "1999-12-31"},
        {"date_from": "9999-12-01", "date_to": "9999-12-31"},
    ):
        page = lead.get(_url(PAGE, **dates)).page
        errors = [a.get_text(strip=True) for a in page.select(".error-summary a")]
        assert errors[0] == "Enter a date between the years 2000 and 2100."
    response = lead.get(_url(EXPORT, date_from="2025-03-01", date_to="2025-02-01"))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/reports?")


def _csv(response: TestResponse) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def _value(
    rows: list[dict[str, str]], section: str, figure: str, kind: str = "", **more: str
) -> str:
    """The one value of the CSV at these labels (more: month, detail)."""
    found = [
        row["Value"]
        for row in rows
        if row["Section"] == section
        and row["Figure"] == figure
        and row["Request type"] == kind
        and row["Month"] == more.get("month", "")
        and row["Detail"] == more.get("detail", "")
    ]
    assert len(found) == 1, (section, figure, kind, more)
    return found[0]


def test_the_csv_holds_the_same_figures_as_the_page(lead: FlaskClient) -> None:
    response = lead.get(_url(EXPORT, **DATES))
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="reports-20250101-20250331.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = _csv(response)
    page = lead.get(_url(PAGE, **DATES)).page
    on_page = _type_table(page)
    figures = (
        "Received",
        "Completed",
        "Withdrawn",
        "Not decided yet",
        "Extended",
        "Median days to decision",
        "90th percentile days to decision",
        "Overdue now",
    )
    for kind in RequestType:
        in_csv = tuple(
            float(value)
            if (value := _value(rows, "Requests by type", f, str(TYPE_LABELS[kind])))
            else None
            for f in figures
        )
        assert in_csv == on_page[kind.value], kind
    assert _value(rows, "Requests by type", "Median days to decision", "All types") == "3.5"
    assert _value(rows, "Requests by type", "90th percentile days to decision", "Complaint") == (
        "22.6"
    )
    for month, (received, completed) in world.LEAD_MONTHS.items():
        assert _value(rows, "Requests by month", "Received", "All types", month=month) == str(
            received
        )
        assert _value(rows, "Requests by month", "Completed", "All types", month=month) == str(
            completed
        )
    for (month, kind), (received, completed) in world.LEAD_MONTHS_BY_TYPE.items():
        label = str(TYPE_LABELS[kind])
        assert _value(rows, "Requests by month", "Received", label, month=month) == str(received)
        assert _value(rows, "Requests by month", "Completed", label, month=month) == str(completed)
    for outcome, count in world.LEAD_CORRECTIONS.items():
        assert _value(rows, "Correction decisions", str(STATUS_LABELS[outcome]), "Correction") == (
            str(count)
        )
    for (reason, kind), count in world.LEAD_DENIALS.items():
        detail = str(DENIAL_REASON_LABELS[reason])
        assert _value(
            rows, "Denials by HUD reason", "Denied", str(TYPE_LABELS[kind]), detail=detail
        ) == str(count)
    sharing = [
        _value(rows, "Sharing", figure)
        for figure in (
            "People covered by refusal forms",
            "People covered by restore forms",
            "People refusing sharing now",
            "People sharing again after a restore",
        )
    ]
    assert sharing == [str(n) for n in world.LEAD_SHARING]
    assert _value(rows, "Complaints", "By category", detail="How a staff member treated me") == "1"
    assert (
        _value(rows, "Complaints", "By outcome", detail="Waiting for County Community Services")
        == "1"
    )
    assert _value(rows, "Complaints", "Escalated") == "2"
    assert _value(rows, "Filters", "Sent from") == "2025-01-01"
    assert _value(rows, "Filters", "Agency") == "All agencies"


def test_csv_cells_cannot_run_as_formulas(
    lead: FlaskClient, db_session: Session, people: dict[str, StaffUser]
) -> None:
    agency = db_session.get(Organization, AGENCY_A)
    assert agency is not None
    agency.name = '=HYPERLINK("http://evil.example","Click")'
    db_session.commit()
    rows = _csv(lead.get(_url(EXPORT, agency=AGENCY_A, **DATES)))
    assert _value(rows, "Filters", "Agency") == '\'=HYPERLINK("http://evil.example","Click")'
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("admin_a", 200), ("staff_a", 403), ("system", 403)],
)
def test_only_the_lead_and_agency_administrators_reach_reports(
    app: Flask, db_session: Session, people: dict[str, StaffUser], who: str, status: int
) -> None:
    client = sign_in_as(app, db_session, people[who])
    assert client.get(PAGE).status_code == status
    assert client.get(EXPORT).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client: FlaskClient) -> None:
    for path in (PAGE, EXPORT):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"] == "/staff/sign-in"


def test_viewing_and_exporting_are_audited_without_values(
    lead: FlaskClient, db_session: Session
) -> None:
    lead.get(_url(PAGE, agency=AGENCY_A, **DATES))
    lead.get(_url(EXPORT, agency=AGENCY_A, **DATES))
    lead.get(_url(PAGE, date_from="2025-03-01", date_to="2025-02-01"))  # invalid: no figures
    entries = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("reports.%")).order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in entries] == ["reports.viewed", "reports.exported"]
    for entry in entries:
        assert (entry.personal_id, entry.object_type, entry.object_id) == (None, None, None)
        assert entry.actor_role == "hmis_lead"


def test_the_page_costs_the_same_statements_for_5_and_50_requests(
    app: Flask, db_session: Session
) -> None:
    hmis_world(db_session)
    lead_user = make_staff(db_session, Role.HMIS_LEAD, "lead@county.example")
    client = sign_in_as(app, db_session, lead_user)
    engine = app.extensions["portal.engine"]

    def statements_with(total: int) -> int:
        while db_session.scalar(select(func.count(Request.id))) < total:
            for kind, agency in ((RequestType.CORRECTION, AGENCY_A), (RequestType.COMPLAINT, None)):
                open_request(
                    db_session,
                    kind,
                    personal_id=PARENT,
                    channel=Channel.PHONE,
                    author=CLIENT_AUTHOR,
                    agency_id=agency,
                )
            open_request(
                db_session,
                RequestType.PRINTED_COPY,
                personal_id=PARENT,
                channel=Channel.KIOSK,
                author=CLIENT_AUTHOR,
                agency_id=AGENCY_B,
            )
        db_session.commit()
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(engine, "before_cursor_execute", counter)
        try:
            page = client.get(PAGE).page
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert _type_table(page)["all"][0] >= total
        return count

    few = statements_with(5)
    many = statements_with(50)
    assert few == many, (few, many)


@pytest.mark.parametrize("language", ["es", "pl"])
def test_the_page_and_csv_work_in_every_language(lead: FlaskClient, language: str) -> None:
    page = lead.get(_url(PAGE, lang=language, **DATES)).page
    assert page.find("html")["lang"] == language
    assert _type_table(page)["all"][:2] == world.LEAD_TOTALS[:2]
    assert len(page.select("svg[role=img] title")) == 2
    rows = list(csv.reader(io.StringIO(lead.get(_url(EXPORT, **DATES)).get_data(as_text=True))))
    assert len(rows) > 100
