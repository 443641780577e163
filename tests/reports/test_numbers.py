"""The reports' figures against the hand-counted world of tests/reports/world.py."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.reports.numbers import (
    Report,
    ReportNotAllowed,
    ReportScope,
    TypeFigures,
    build_report,
    default_dates,
    local_month,
    months_between,
    percentile,
    scope_for,
)
from portal.requests.models import RequestType, Status
from tests.factories import AGENCY_A, AGENCY_B
from tests.reports import world
from tests.reports.world import T

CHICAGO = "America/Chicago"
JAN, MAR_END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)


def _report(session: Session, **scope: object) -> Report:
    values: dict[str, object] = {
        "date_from": JAN,
        "date_to": MAR_END,
        "timezone": CHICAGO,
        **scope,
    }
    return build_report(session, ReportScope(**values))  # type: ignore[arg-type]


def _row(figures: TypeFigures) -> tuple[object, ...]:
    return (
        figures.received,
        figures.completed,
        figures.withdrawn,
        figures.undecided,
        figures.extended,
        figures.overdue_now,
        figures.median_days,
        figures.p90_days,
    )


def _assert_rows(found: dict[RequestType, tuple[object, ...]], expected: dict) -> None:
    assert found.keys() == expected.keys()
    for kind, row in expected.items():
        assert found[kind] == pytest.approx(row), kind


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([], None, None),
        ([7.0], 7.0, 7.0),
        ([10.0, 1.0, 3.0], 3.0, 8.6),  # odd count, unsorted
        ([8.0, 2.0, 6.0, 4.0], 5.0, 7.4),  # even count: the median is the mean of the middle two
        ([1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 10.0, 28.0], 3.5, 10.0),
    ],
)
def test_percentiles_interpolate_between_closest_ranks(
    values: list[float], median: float | None, p90: float | None
) -> None:
    assert percentile(values, 0.5) == pytest.approx(median)
    assert percentile(values, 0.9) == pytest.approx(p90)


def test_the_default_is_the_last_twelve_months() -> None:
    assert default_dates(dt.date(2026, 5, 14)) == (dt.date(2025, 6, 1), dt.date(2026, 5, 14))
    assert default_dates(dt.date(2026, 12, 31)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert default_dates(dt.date(2026, 1, 1))[0] == dt.date(2025, 2, 1)
    months = months_between(*default_dates(dt.date(2026, 5, 14)))
    assert len(months) == 12
    assert (months[0], months[-1]) == (dt.date(2025, 6, 1), dt.date(2026, 5, 1))


def test_months_are_the_countys() -> None:
    from zoneinfo import ZoneInfo

    chicago = ZoneInfo(CHICAGO)
    assert local_month(dt.datetime(2025, 2, 1, 3), chicago) == dt.date(2025, 1, 1)
    assert local_month(dt.datetime(2025, 2, 1, 7), chicago) == dt.date(2025, 2, 1)
    start, end = ReportScope(JAN, MAR_END, timezone=CHICAGO).utc_bounds()
    assert (start, end) == (dt.datetime(2025, 1, 1, 6), dt.datetime(2025, 4, 1, 5))  # CST, CDT


def test_the_lead_sees_every_figure_over_every_agency(app: Flask, db_session: Session) -> None:
    world.build_world(db_session)
    report = _report(db_session)
    _assert_rows({kind: _row(f) for kind, f in report.by_type.items()}, world.LEAD_BY_TYPE)
    assert _row(report.totals) == pytest.approx(world.LEAD_TOTALS)
    months = {
        m.month.strftime("%Y-%m"): (m.total_received, m.total_completed) for m in report.months
    }
    assert months == world.LEAD_MONTHS
    by_type = {
        (m.month.strftime("%Y-%m"), kind): (m.received[kind], m.completed[kind])
        for m in report.months
        for kind in report.types
    }
    assert {key: value for key, value in by_type.items() if value != (0, 0)} == (
        world.LEAD_MONTHS_BY_TYPE
    )
    assert report.corrections == world.LEAD_CORRECTIONS
    denials = {
        (reason, kind): count
        for reason, by_kind in report.denials.items()
        for kind, count in by_kind.items()
        if count
    }
    assert denials == world.LEAD_DENIALS
    assert None not in report.denials  # every denial named its reason
    sharing = report.sharing
    assert (
        sharing.people_in_refusals,
        sharing.people_in_restores,
        sharing.refusing_now,
        sharing.restored_now,
    ) == world.LEAD_SHARING
    assert report.complaints is not None
    assert report.complaints.by_category == world.COMPLAINT_CATEGORIES
    assert report.complaints.by_outcome == world.COMPLAINT_OUTCOMES
    assert (
        report.complaints.escalated,
        report.complaints.county_decided,
        report.complaints.awaiting_county,
    ) == world.ESCALATIONS


def test_one_agency_counts_only_its_own_requests(app: Flask, db_session: Session) -> None:
    world.build_world(db_session)
    report = _report(db_session, agency_id=AGENCY_A)
    found = {kind: _row(f) for kind, f in report.by_type.items()}
    assert found.pop(T.COMPLAINT)[0] == 0  # complaints sit with the lead, not with an agency
    _assert_rows(found, world.AGENCY_A_BY_TYPE)
    months = {
        m.month.strftime("%Y-%m"): (m.total_received, m.total_completed) for m in report.months
    }
    assert months == world.AGENCY_A_MONTHS
    sharing = report.sharing
    assert (
        sharing.people_in_refusals,
        sharing.people_in_restores,
        sharing.refusing_now,
        sharing.restored_now,
    ) == world.AGENCY_A_SHARING
    other = _report(db_session, agency_id=AGENCY_B)
    assert (other.by_type[T.CORRECTION].received, other.by_type[T.PRINTED_COPY].received) == (1, 1)
    assert other.by_type[T.PRINTED_COPY].overdue_now == 1
    assert (other.sharing.refusing_now, other.sharing.restored_now) == world.AGENCY_B_SHARING[2:]


def test_an_agency_administrator_sees_their_agency_without_complaints(
    app: Flask, db_session: Session
) -> None:
    world.build_world(db_session)
    admin = StaffUser(role=Role.AGENCY_ADMIN, organization_id=AGENCY_A)
    scope = scope_for(admin, date_from=JAN, date_to=MAR_END, agency_id=AGENCY_B, timezone=CHICAGO)
    assert (scope.agency_id, scope.include_complaints) == (AGENCY_A, False)  # B is ignored
    report = build_report(db_session, scope)
    assert T.COMPLAINT not in report.by_type
    assert report.complaints is None
    _assert_rows({kind: _row(f) for kind, f in report.by_type.items()}, world.AGENCY_A_BY_TYPE)
    assert report.totals.received == 10
    assert report.totals.overdue_now == 1  # c5; B's b2 and the lead's refusal and complaint not


def test_only_the_lead_and_agency_administrators_have_reports() -> None:
    lead = StaffUser(role=Role.HMIS_LEAD, organization_id=None)
    assert scope_for(lead, date_from=JAN, date_to=MAR_END, agency_id="").agency_id is None
    for user in (
        StaffUser(role=Role.AGENCY_STAFF, organization_id=AGENCY_A),
        StaffUser(role=Role.SYSTEM_ADMIN, organization_id=None),
        StaffUser(role=Role.AGENCY_ADMIN, organization_id=None),
    ):
        with pytest.raises(ReportNotAllowed):
            scope_for(user, date_from=JAN, date_to=MAR_END)


def test_dates_pick_the_requests_sent_between_them_in_county_days(
    app: Flask, db_session: Session
) -> None:
    world.build_world(db_session)
    february = _report(db_session, date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 2, 28))
    # c3, c4, b1, r1, k3; p2 (1 February 03:00 UTC) was sent on 31 January in Chicago.
    assert [m.month for m in february.months] == [dt.date(2025, 2, 1)]
    assert (february.totals.received, february.totals.completed) == (5, 5)
    assert february.by_type[T.PRINTED_COPY].received == 0
    assert february.by_type[T.CORRECTION].median_days == pytest.approx(6.0)  # [1, 6, 8]
    assert (february.sharing.people_in_refusals, february.sharing.people_in_restores) == (2, 0)
    # Overdue now and who refuses now do not depend on the dates.
    assert february.totals.overdue_now == world.LEAD_TOTALS[5]
    assert february.sharing.refusing_now == world.LEAD_SHARING[2]
    # 1 April 03:00 UTC is 31 March in Chicago (c6); 06:00 UTC is 1 April (x1).
    april = _report(db_session, date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30))
    assert april.by_type[T.CORRECTION].received == 1
    assert april.corrections[Status.APPROVED] == 1
