"""The download routes: files as attachments, never stored, audited; never on a kiosk."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry
from tests.fixtures.clients import SignIn, signed_in_client


@pytest.mark.parametrize(
    ("file_format", "mimetype", "starts"),
    [
        ("pdf", "application/pdf", b"%PDF"),
        ("json", "application/json", b"{"),
        ("csv", "text/csv", b"\xef\xbb\xbf"),
    ],
)
def test_download_is_an_attachment_that_is_never_stored(
    client: FlaskClient,
    sign_in: SignIn,
    code: str,
    db_session: Session,
    file_format: str,
    mimetype: str,
    starts: bytes,
) -> None:
    signed_in_client(client, sign_in, code)
    response = client.get(f"/my-record/download/{file_format}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data.startswith(starts)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Client" not in disposition  # no name in the file name
    assert "no-store" in response.headers["Cache-Control"]
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "client.record_downloaded")
    ).one()
    assert entry.object_id == file_format


def test_no_download_on_a_kiosk(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    client.set_cookie(
        "portal_kiosk", URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
    )
    signed_in_client(client, sign_in, code)
    record_page = client.get("/my-record").page
    assert record_page.select_one("a[href^='/my-record/download/']") is None
    assert record_page.select_one("a[href='/my-record/printed-copy']") is not None
    response = client.get("/my-record/download/pdf")
    assert response.status_code == 403
    assert "Content-Disposition" not in response.headers
    assert not db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "client.record_downloaded")
    ).first()


def test_the_pdf_is_in_the_clients_language(
    client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    signed_in_client(client, sign_in, code)
    client.get("/my-page?lang=es")  # the language choice stays with the session
    response = client.get("/my-record/download/pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Su expediente" in text
    assert "Fecha de nacimiento" in text
    assert "17 de octubre de 1982" in text
