"""A new notice version asks a returning client to acknowledge it: first what changed, in a few
words the HMIS lead wrote when publishing, with the full text one tap away."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.notice import drafting
from portal.timeutil import utcnow
from tests.factories import notice_version
from tests.fixtures.clients import SignIn, signed_in_client


def test_a_returning_client_reads_what_changed_before_acknowledging(
    app: Flask, client: FlaskClient, db_session: Session, sign_in: SignIn, code: str
) -> None:
    signed_in_client(client, sign_in, code)  # acknowledges version 1
    draft = notice_version(db_session, number=0, published=False, effective_date=utcnow().date())
    # (number 0 in its texts: a draft; publishing numbers it 2)
    with app.test_request_context():
        drafting.publish(
            db_session,
            draft,
            fallback_confirmed=True,
            what_changed={
                "es": "Ahora guardamos su registro 7 años.",
                "en": "We keep it 7 years.",
                "pl": "Teraz przechowujemy dane 7 lat.",
            },
        )
    db_session.commit()
    assert {t.language: t.what_changed for t in draft.texts} == {
        "en": "We keep it 7 years.",
        "es": "Ahora guardamos su registro 7 años.",
        "pl": "Teraz przechowujemy dane 7 lat.",
    }

    assert client.get("/my-page").headers["Location"].endswith("/privacy-notice/acknowledge")
    page = client.get("/privacy-notice/acknowledge?lang=es").page
    changes = page.select_one(".notice-changes").get_text(" ", strip=True)
    assert "Ahora guardamos su registro 7 años." in changes
    full = page.select_one("details.notice-full")
    assert full.select_one("summary") is not None
    assert "Body of version 0 [es]" in full.get_text()  # the full text, one tap away
    assert page.select_one("a[href='/privacy-notice/versions']")
    polish = client.get("/privacy-notice/acknowledge?lang=pl").page
    assert "Teraz przechowujemy dane 7 lat." in polish.select_one(".notice-changes").get_text()
    history = client.get("/privacy-notice/versions?lang=en").page.get_text(" ", strip=True)
    assert "We keep it 7 years." in history


def test_what_changed_is_required_in_every_language_published_and_in_that_language(
    app: Flask, db_session: Session
) -> None:
    import pytest

    notice_version(db_session)
    draft = notice_version(db_session, number=0, published=False, effective_date=utcnow().date())
    with app.test_request_context(), pytest.raises(drafting.WhatChangedInvalid) as refused:
        drafting.publish(
            db_session,
            draft,
            fallback_confirmed=True,
            what_changed={"en": "We keep it 7 years.", "es": "We keep it 7 years."},
        )
    assert (refused.value.missing, refused.value.copied) == (["pl"], ["es"])
