"""The record page's read model is never stale: after each kind of change the page shows it,
whether the change went through the ORM, an ORM bulk statement or a raw connection."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.client.models import RecordView
from portal.client.record_view import RecordPage, changed_for_everyone, record_page
from portal.hmis.models import Client
from portal.hmis.services import run_import
from portal.requests.corrections import decide_correction, request_correction
from portal.requests.models import Channel, RequestType, Status, WithheldItem
from portal.requests.services import CLIENT_AUTHOR, SYSTEM_AUTHOR, open_request
from portal.sharing.models import SharingChange
from portal.timeutil import utcnow
from tests.conftest import HMIS_CSV
from tests.fixtures.clients import PERSON, SignIn, signed_in_client


def _page(client: FlaskClient) -> str:
    text: str = client.get("/my-record").page.get_text(" ", strip=True)
    return text


def _seen(client: FlaskClient, sign_in: SignIn, code: str, db_session: Session) -> str:
    """Sign in and read the record once, so the read model holds it."""
    signed_in_client(client, sign_in, code)
    text = _page(client)
    assert db_session.get(RecordView, PERSON) is not None, "the page kept no read model"
    return text


def test_a_second_read_takes_the_kept_record(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    first = _seen(client, sign_in, code, db_session)
    assert "Client" in first
    assert _page(client) == first
    kept = db_session.scalar(select(RecordView.items_body).where(RecordView.personal_id == PERSON))
    assert kept is not None
    assert "Client" in kept
    raw = db_session.connection().exec_driver_sql(
        "SELECT items_body FROM record_view WHERE personal_id = :p".replace(":p", f"'{PERSON}'")
    )
    assert "Client" not in raw.scalar_one()


def test_a_withheld_item_shows_at_once(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    assert "1982" in _seen(client, sign_in, code, db_session)
    db_session.add(
        WithheldItem(
            personal_id=PERSON,
            item_key="identity.dob",
            reason="endangers_safety",
            explanation=None,
            withheld_at=utcnow(),
        )
    )
    db_session.commit()
    text = _page(client)
    assert "Withheld" in text
    assert "1982" not in text


def test_a_decision_on_a_correction_shows_at_once(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    _seen(client, sign_in, code, db_session)
    created = request_correction(
        db_session,
        personal_id=PERSON,
        item_key="identity.middle_name",
        current_value="",
        requested_value="Quentin",
        reason="It is my name.",
        evidence=None,
        agency_id=None,
        channel=Channel.PHONE,
        author=CLIENT_AUTHOR,
        submission_key=None,
    )
    db_session.commit()
    text = _page(client)
    assert created.reference in text  # the new request is listed
    assert "Quentin" not in text  # not decided yet: the value is as it was
    decide_correction(
        created,
        SYSTEM_AUTHOR,
        outcome=Status.APPROVED,
        seen_version=created.version,
        explanation="Checked.",
    )
    db_session.commit()
    assert "Quentin" in _page(client)


def test_a_sharing_refusal_shows_at_once(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    assert "You said no to sharing" not in _seen(client, sign_in, code, db_session)
    refusal = open_request(
        db_session,
        RequestType.SHARING_REFUSAL,
        personal_id=PERSON,
        channel=Channel.PHONE,
        author=CLIENT_AUTHOR,
    )
    db_session.add(
        SharingChange(
            personal_id=PERSON, request_id=refusal.id, refused=True, effective_at=utcnow()
        )
    )
    db_session.commit()
    text = _page(client)
    assert "You said no to sharing" in text
    assert refusal.reference in text


def test_an_orm_bulk_update_of_the_client_shows_at_once(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    assert "Zenobia" not in _seen(client, sign_in, code, db_session)
    db_session.execute(
        update(Client).where(Client.personal_id == PERSON).values(first_name="Zenobia")
    )
    db_session.commit()
    assert "Zenobia" in _page(client)


def test_a_core_update_around_the_session_shows_once_announced(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    """As the import does (COPY and Core on its connection): changed_for_everyone after."""
    _seen(client, sign_in, code, db_session)
    table = Client.__table__
    db_session.connection().execute(
        table.update().where(table.c.personal_id == PERSON).values(first_name="Ysolde")
    )
    changed_for_everyone(db_session)
    db_session.commit()
    assert "Ysolde" in _page(client)


def _last_name(page: RecordPage) -> str:
    item = page.item("identity.last_name")
    assert item is not None
    return item.value


def test_an_import_that_changes_the_client_shows_at_once(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    source = HMIS_CSV / "icount-fy2026"
    assert run_import(db_session, source).succeeded
    with app.test_request_context():
        before = record_page(db_session, "528656", "en")
        db_session.commit()
        assert before is not None
        assert _last_name(before) == "Contrivance"
        export = tmp_path / "export"
        shutil.copytree(source, export)
        client_csv = export / "Client.csv"
        content = client_csv.read_text(encoding="utf-8")
        old = "528656,Herringbone,,Contrivance,"
        assert old in content
        client_csv.write_text(content.replace(old, "528656,Herringbone,,Renamed,", 1), "utf-8")
        assert run_import(db_session, export).succeeded
        db_session.commit()
        after = record_page(db_session, "528656", "en")
        assert after is not None
        assert _last_name(after) == "Renamed"
