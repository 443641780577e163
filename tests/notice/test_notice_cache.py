"""The public notice kept in memory (issue 22): the same bytes for everyone who reads the same
version in the same language, with what lets browsers and proxies keep it; a publication shows
at once in the process that published it, and in every other one at its next check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.notice import published
from tests.accounts.staff import AGENCY_A, hmis_world, make_staff, sign_in_as
from tests.factories import notice_version
from tests.fixtures.clients import SignIn, signed_in_client
from tests.notice.test_drafting import _new_draft, _publish, _today, lead, lead_user

__all__ = ["lead", "lead_user"]  # the lead's browser, from the drafting tests

NOTICE = "/privacy-notice"


@pytest.fixture
def kept(app: Flask) -> Iterator[published.PublishedVersions]:
    """As in production: the version in force is kept, and checked again only now and then."""
    versions = app.extensions["portal.published_versions"]
    versions.recheck_seconds = 3600
    versions.invalidate()
    yield versions
    versions.recheck_seconds = 0.0
    versions.invalidate()


def _body(client: FlaskClient, language: str = "en") -> str:
    response = client.get(NOTICE, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.page.select_one(".notice-body").get_text()


def test_the_notice_is_kept_and_may_be_kept_by_browsers_and_proxies(
    kept: published.PublishedVersions, client: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session)
    first = client.get(NOTICE)
    again = client.get(NOTICE)
    assert first.get_data() == again.get_data()
    assert first.headers["ETag"] == again.headers["ETag"]
    assert first.cache_control.public
    assert first.cache_control.max_age == 300
    assert first.last_modified is not None
    assert {"Accept-Language", "Cookie"} <= set(first.vary)
    unchanged = client.get(NOTICE, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""


def test_each_language_has_its_own_kept_notice(
    kept: published.PublishedVersions, client: FlaskClient, db_session: Session
) -> None:
    notice_version(db_session)
    assert "Body of version 1 [es]." in _body(client, "es")
    assert "Body of version 1 [pl]." in _body(client, "pl")
    assert "Body of version 1 [en]." in _body(client, "en")
    etags = {
        client.get(NOTICE, headers={"Accept-Language": c}).headers["ETag"] for c in ("es", "pl")
    }
    assert len(etags) == 2


def test_a_publication_shows_at_once_in_the_process_that_published(
    kept: published.PublishedVersions,
    client: FlaskClient,
    lead: FlaskClient,
    db_session: Session,
) -> None:
    notice_version(db_session, effective_date=dt.date(2020, 1, 1))
    assert "Body of version 1 [es]." in _body(client, "es")
    draft = _new_draft(lead, db_session, day=_today(), tag="fresh")
    assert _publish(lead, draft).status_code == 303
    assert "Body fresh [es]." in _body(client, "es")
    assert "Body fresh [en]." in _body(client, "en")


def test_another_process_learns_of_a_publication_at_its_next_check(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2020, 1, 1))
    assert "Body of version 1 [en]." in _body(client)
    # Published elsewhere: this process was not told, and keeps its copy until it checks.
    notice_version(db_session, number=2, effective_date=dt.date(2021, 1, 1))
    assert "Body of version 1 [en]." in _body(client)
    later = published.time.monotonic() + kept.recheck_seconds + 1
    monkeypatch.setattr(published.time, "monotonic", lambda: later)
    assert "Body of version 2 [en]." in _body(client)


def test_a_signed_in_client_gets_a_personal_page_never_kept(
    kept: published.PublishedVersions,
    client: FlaskClient,
    sign_in: SignIn,
    code: str,
) -> None:
    signed_in_client(client, sign_in, code)
    response = client.get(NOTICE)
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
    assert response.page.select_one("form.sign-out") is not None


def test_a_signed_in_staff_member_gets_a_personal_page_never_kept(
    kept: published.PublishedVersions, app: Flask, db_session: Session
) -> None:
    notice_version(db_session)
    hmis_world(db_session)
    staff = sign_in_as(
        app, db_session, make_staff(db_session, Role.AGENCY_STAFF, "s@a.example", AGENCY_A)
    )
    response = staff.get(NOTICE)
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
