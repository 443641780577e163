"""Retention: the schedule, the dry run and the purge, which keeps a de-identified stub so the
audit chain verifies and report totals do not move."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import chain as audit_chain
from portal.audit.models import AuditEntry
from portal.audit.services import SYSTEM, record
from portal.hmis.models import Client, Enrollment, IdentityVersion
from portal.requests.models import Request
from portal.retention import services
from portal.timeutil import utcnow
from tests.disclosures.helpers import world
from tests.factories import ADULT_CHILD, CHILD, PARENT, phone_complaint


@pytest.fixture
def users(app: Flask, db_session: Session):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield world(db_session)


def _age_household(session: Session, years: int) -> None:
    """Move the household's enrollment activity back so many years."""
    long_ago = dt.date(utcnow().year - years, 1, 1)
    for enrollment in session.scalars(select(Enrollment)):
        enrollment.entry_date = long_ago
        enrollment.date_created = dt.datetime(long_ago.year, 1, 2)
    session.commit()


def test_the_default_is_seven_years_after_the_last_enrollment_activity(
    db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    _age_household(db_session, 6)
    assert services.records_due(db_session) == []
    _age_household(db_session, 8)
    due = services.records_due(db_session)
    assert {d.personal_id for d in due} == {PARENT, CHILD, ADULT_CHILD}
    assert due[0].data_types == ("identity", "contact", "free_text")
    assert services.set_years(db_session, "identity", 10, None)
    assert not services.set_years(db_session, "identity", 10, None)
    assert services.records_due(db_session)[0].data_types == ("contact", "free_text")


def _report_totals(session: Session) -> tuple[int, int, int]:
    from portal.accounts.models import StaffUser
    from portal.reports.numbers import build_report, scope_for

    lead = session.scalars(select(StaffUser).where(StaffUser.email == "lead@county.example")).one()
    today = utcnow().date()
    scope = scope_for(
        lead,
        date_from=today - dt.timedelta(days=30),
        date_to=today,
        agency_id=None,
        timezone="America/Chicago",
    )
    report = build_report(session, scope)
    return report.totals.received, report.totals.completed, len(report.months)


def test_the_purge_keeps_a_stub_the_audit_chain_and_report_totals(
    app: Flask, db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    complaint = phone_complaint(db_session, personal_id=PARENT, description="Synthetic words")
    complaint.contact_details = "555-0100"
    record(db_session, "client.record_opened", personal_id=PARENT, actor=SYSTEM)
    db_session.commit()
    _age_household(db_session, 8)
    before = _report_totals(db_session)
    assert before[0] == 1

    purged = services.purge(db_session, services.records_due(db_session))
    for item in purged:
        record(db_session, "retention.purged", personal_id=item.personal_id, actor=SYSTEM)
    db_session.commit()

    parent = db_session.get(Client, PARENT)
    assert parent is not None
    assert (parent.first_name, parent.last_name, parent.dob, parent.ssn) == (None,) * 4
    assert parent.sex == 0
    assert parent.veteran_status == 0
    versions = db_session.scalars(
        select(IdentityVersion).where(IdentityVersion.personal_id == PARENT)
    )
    assert all(v.first_name is None and v.ssn is None for v in versions)
    kept = db_session.get(Request, complaint.id)
    assert kept is not None
    assert (kept.description, kept.contact_details) == (None, None)
    assert _report_totals(db_session) == before
    key = app.config["PORTAL"].audit_key.encode()
    assert audit_chain.verify(db_session, key).intact
    assert db_session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "retention.purged").limit(1)
    )
    assert services.records_due(db_session) == []


def test_the_commands_list_then_purge_only_when_confirmed(
    app: Flask, db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    _age_household(db_session, 8)
    runner = app.test_cli_runner()
    due: Result = runner.invoke(args=["retention", "due"])
    assert due.exit_code == 0, due.output
    lines = [line for line in due.stdout.splitlines() if line]
    assert len(lines) == 3
    assert "identity 7y" in lines[0]
    assert "after last enrollment activity" in lines[0]
    refused = runner.invoke(args=["retention", "purge"])
    assert refused.exit_code != 0
    db_session.expire_all()
    assert db_session.get(Client, PARENT).first_name == "Canaryparent"  # type: ignore[union-attr]
    done = runner.invoke(args=["retention", "purge", "--confirm"])
    assert done.exit_code == 0, done.output
    assert "Purged 3 client(s)" in done.output
    db_session.expire_all()
    assert db_session.get(Client, PARENT).first_name is None  # type: ignore[union-attr]
    assert runner.invoke(args=["retention", "due"]).stdout.strip() == ""


def test_an_identity_brought_back_by_an_import_is_due_again(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    _age_household(db_session, 8)
    services.purge(db_session, services.records_due(db_session))
    db_session.commit()
    assert services.records_due(db_session) == []
    parent = db_session.get(Client, PARENT)
    assert parent is not None
    parent.last_name = "Reimported"  # as a later HMIS export would
    db_session.commit()
    due = services.records_due(db_session)
    assert [(d.personal_id, d.data_types) for d in due] == [(PARENT, ("identity",))]
    services.purge(db_session, due)
    db_session.commit()
    assert db_session.get(Client, PARENT).last_name is None  # type: ignore[union-attr]
