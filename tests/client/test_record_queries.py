"""The record read with fewer statements (issue 22): the same record, item by item, whether the
whole record is built or only what one item needs; case managers of every enrollment without
a query each; a correction still goes to the right agency's queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.client.record import client_record
from portal.hmis.models import Client, Enrollment, HmisUser, Organization, Project
from portal.requests.models import Request, RequestType, WithheldItem
from portal.timeutil import utcnow
from tests.client.test_downloads import approve, disagree, person
from tests.fixtures.clients import PERSON, SignIn, signed_in_client

__all__ = ["person"]  # the fixture: Client One, imported, with an SSN


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    engine = app.extensions["portal.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_one_item_reads_as_in_the_whole_record(
    app: Flask, db_session: Session, person: Client
) -> None:
    approve(db_session, "identity.first_name", "Klientka")
    disagree(db_session, "It was right before.")
    enrollment = db_session.scalars(
        select(Enrollment).where(Enrollment.personal_id == PERSON)
    ).first()
    db_session.add(
        WithheldItem(
            personal_id=PERSON,
            item_key=f"enrollment.{enrollment.enrollment_id}",
            reason="endangers_safety",
            explanation="Ask the HMIS lead.",
            withheld_at=utcnow(),
        )
    )
    db_session.commit()
    with app.test_request_context("/?lang=pl"):
        whole = client_record(db_session, PERSON)
        assert whole is not None
        for item in whole.items():
            alone = client_record(db_session, PERSON, for_item=item.key)
            assert alone is not None
            assert alone.item(item.key) == item
            assert alone.item(item.key).fingerprint == item.fingerprint
        assert any(item.was for item in whole.items())
        assert any(item.disagreement for item in whole.items())
        assert any(item.withheld for item in whole.items())


def test_every_case_manager_shows_without_a_query_each(
    app: Flask, db_session: Session, person: Client
) -> None:
    enrollments = db_session.scalars(
        select(Enrollment).where(Enrollment.personal_id == PERSON)
    ).all()
    users = db_session.scalars(select(HmisUser).order_by(HmisUser.user_id)).all()
    assert len(enrollments) >= 2
    assert len(users) >= 2
    for enrollment, user in zip(enrollments, users, strict=False):
        enrollment.hmis_user_id = user.user_id
        user.first_name, user.phone = f"Case {user.user_id}", "8475550100"
    db_session.commit()
    with app.test_request_context("/"), _statements(app) as statements:
        built = client_record(db_session, PERSON)
    assert built is not None
    shown = {e.enrollment_id: e.case_manager for e in built.enrollments}
    for enrollment, user in zip(enrollments, users, strict=False):
        assert shown[enrollment.enrollment_id].startswith(f"Case {user.user_id}")
    assert sum("FROM hmis_user" in s for s in statements) == 1
    assert len(statements) <= 7  # client, enrollments, case managers, requests, sharing, withheld


def _send_correction(client: FlaskClient, item_key: str, **new: str) -> None:
    """Ask for a correction as a client does: the form, its check page (a GET of its own), send."""
    url = f"/my-record/correct/{item_key}"
    form = client.get(url).page.select_one("main form")
    hidden = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    answers = {**hidden, "reason": "It is wrong.", "evidence": "", **new}
    check = client.post(url, data=answers, follow_redirects=True).page
    send = check.select_one("form[action$='/send']")
    data = [(i["name"], i["value"]) for i in send.select("input[type=hidden]")]
    sent = client.post(f"{url}/send", data=MultiDict(data))
    assert sent.status_code == 303, sent.status_code


def test_a_correction_goes_to_the_agency_of_its_enrollment_else_the_newest(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    newer, older = db_session.scalars(
        select(Enrollment)
        .where(Enrollment.personal_id == PERSON)
        .order_by(Enrollment.enrollment_id)
    ).all()[:2]
    other = Project(project_id="p-other", organization_id="o-other", name="Synthetic shelter")
    db_session.add(Organization(organization_id="o-other", name="Synthetic agency"))
    db_session.add(other)
    newer.entry_date, older.entry_date = dt.date(2024, 5, 1), dt.date(2015, 2, 27)
    older.project_id = other.project_id
    db_session.commit()
    signed_in_client(client, sign_in, code)
    _send_correction(client, "identity.last_name", requested_value="Synthetic new value")
    _send_correction(
        client,
        f"enrollment.{older.enrollment_id}.entry_date",
        new_month="3",
        new_day="1",
        new_year="2015",
    )
    agencies = dict(
        db_session.execute(
            select(Request.item_key, Request.agency_id).where(
                Request.type == RequestType.CORRECTION
            )
        ).all()
    )
    assert agencies == {
        "identity.last_name": newer.project.organization_id,
        f"enrollment.{older.enrollment_id}.entry_date": other.organization_id,
    }
