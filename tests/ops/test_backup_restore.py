"""The backup procedure of docs/operations.md, done for real: pg_dump -Fc of a database with
history, pg_restore into a fresh database, `flask db upgrade`, `flask audit verify`. The
restored portal has every request and event, its audit chain is intact, and SSNs decrypt with
the keys kept outside the dump. A restore that lost an audit entry is caught."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from portal import create_app
from portal.accounts.models import StaffUser
from portal.audit import chain
from portal.audit.models import AuditEntry
from portal.audit.services import record
from portal.config import Settings
from portal.hmis.models import Client
from portal.requests import workflow
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import CLIENT_AUTHOR, Author, audit_request, open_request
from tests.conftest import TEST_SSN_KEY
from tests.factories import ADULT_CHILD, AGENCY_A, PARENT
from tests.ops import world
from tests.ops.conftest import NewDatabase
from tests.ops.instances import AUDIT_KEY, SECRET_KEY
from tests.ops.postgres import create_database, drop_database, libpq_url, tool

pytestmark = pytest.mark.postgres

PARENT_SSN = "123450001"  # tests/factories.py's synthetic parent


def _app(url: str) -> Flask:
    """The portal on this database, with the production keys (the same for both copies)."""
    settings = Settings(
        environment="testing",
        secret_key=SECRET_KEY,
        database_url=url,
        ssn_keys=(TEST_SSN_KEY,),
        audit_key=AUDIT_KEY,
    )
    return create_app({"SETTINGS": settings})


@pytest.fixture(scope="module")
def source(new_database: NewDatabase, _ssn_cipher: None) -> Iterator[Flask]:
    """A portal database with history; its app is the portal before the disaster."""
    with new_database() as url:
        app = _app(url)
        try:
            with app.app_context():
                _history(app.extensions["portal.engine"])
            yield app
        finally:
            app.extensions["portal.engine"].dispose()


def _history(engine: Engine) -> None:
    """Requests of four kinds with timelines, and their audit entries, as weeks of use leave."""
    with Session(engine) as session:
        world.people(session)
        world.agency_staff(session, 1)
        staff = session.scalars(select(StaffUser)).one()
        correction = world.correction(session)
        record(session, "client.signed_in", personal_id=PARENT)
        complaint = open_request(
            session, RequestType.COMPLAINT, personal_id=PARENT, channel=Channel.PHONE,
            author=CLIENT_AUTHOR, category="privacy", description="A synthetic complaint.",
            contact_method="email", contact_details="canary@example.org",
        )  # fmt: skip
        anonymous = open_request(
            session, RequestType.COMPLAINT, personal_id=None, channel=Channel.WEB,
            author=Author("anonymous"), category="other", description="Synthetic, anonymous.",
            contact_method="none",
        )  # fmt: skip
        printed = open_request(
            session, RequestType.PRINTED_COPY, personal_id=ADULT_CHILD, channel=Channel.KIOSK,
            author=CLIENT_AUTHOR, agency_id=AGENCY_A,
        )  # fmt: skip
        for submitted in (correction, complaint, anonymous, printed):
            audit_request(session, "request.submitted", submitted)
        session.commit()

        workflow.claim(correction, staff, correction.version)
        workflow.add_note(correction, staff, "Checked the intake form.")
        workflow.send_message(correction, staff, "std:looking_into_it")
        audit_request(session, "request.claimed", correction)
        session.commit()
        workflow.extend(correction, staff, "Waiting for the paper file.", correction.version)
        workflow.decide(
            printed, staff, seen_version=printed.version, outcome="completed",
            explanation="", handover="handed_over",
        )  # fmt: skip
        workflow.decide(
            complaint, staff, seen_version=complaint.version, outcome="responded",
            explanation="We spoke with the agency.",
        )  # fmt: skip
        for decided in (correction, printed, complaint):
            audit_request(session, "request.decided", decided)
        session.commit()


def _snapshot(engine: Engine) -> dict[str, object]:
    """Everything the restore must bring back, decrypted where it is encrypted."""
    with Session(engine) as session:
        requests = session.scalars(select(Request).order_by(Request.reference)).all()
        return {
            "requests": [_request_row(request) for request in requests],
            "ssn": session.get(Client, PARENT).ssn,  # type: ignore[union-attr]
            "audit_entries": session.scalar(select(func.count()).select_from(AuditEntry)),
        }


def _request_row(r: Request) -> tuple[object, ...]:
    events = [(e.kind, e.at, e.actor_kind, e.body, e.client_visible) for e in r.events]
    return (
        r.reference, r.type, r.status, r.personal_id, r.version, r.claimed_by_id, r.due_at,
        r.requested_value, r.contact_details, events,
    )  # fmt: skip


def _dump(url: str, dump: Path) -> None:
    subprocess.run(
        [tool("pg_dump"), "--format=custom", f"--file={dump}", f"--dbname={libpq_url(url)}"],
        check=True,
        timeout=120,
    )


def _restore(dump: Path, url: str) -> None:
    subprocess.run(
        [
            tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner",
            f"--dbname={libpq_url(url)}", str(dump),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def dump(source: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Last night's backup (the server's chainer had chained what was written by then)."""
    chained = source.test_cli_runner().invoke(args=["audit", "chain"])
    assert chained.exit_code == 0, chained.output
    path = tmp_path_factory.mktemp("backup") / "portal.dump"
    _dump(source.config["PORTAL"].database_url, path)
    return path


@pytest.fixture
def restored(source: Flask, dump: Path, postgres_server: str) -> Iterator[tuple[Flask, Flask]]:
    """The dump restored into a fresh database as docs/operations.md says, and the portal on
    it with the same keys: (before, after)."""
    url = create_database(postgres_server, migrated=False)
    try:
        _restore(dump, url)
        app = _app(url)
        try:
            upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
            assert upgraded.exit_code == 0, upgraded.output
            yield source, app
        finally:
            app.extensions["portal.engine"].dispose()
    finally:
        drop_database(url)


def _saved_head(app: Flask) -> str:
    """What `flask audit head` printed on the source, kept outside the database."""
    printed = app.test_cli_runner().invoke(args=["audit", "head"])
    assert printed.exit_code == 0, printed.output
    return printed.output.strip()


def test_a_restored_dump_has_every_request_and_an_intact_audit_chain(
    restored: tuple[Flask, Flask],
) -> None:
    source, copy = restored
    original = _snapshot(source.extensions["portal.engine"])
    assert len(original["requests"]) == 4  # type: ignore[arg-type]
    assert original["audit_entries"] == 9  # a sign-in; 4 submitted, 1 claimed, 3 decided
    assert _snapshot(copy.extensions["portal.engine"]) == original
    assert original["ssn"] == PARENT_SSN

    verified = copy.test_cli_runner().invoke(
        args=["audit", "verify", "--head", _saved_head(source)]
    )
    assert verified.exit_code == 0, verified.output
    assert f"Intact: {original['audit_entries']} entries" in verified.output


def test_the_dump_alone_is_not_enough_the_keys_are_kept_apart(
    restored: tuple[Flask, Flask],
) -> None:
    """The dump holds SSNs only encrypted and the chain only as HMACs: without
    PORTAL_SSN_KEYS and PORTAL_AUDIT_KEY, backed up separately, neither can be used."""
    _source, copy = restored
    engine = copy.extensions["portal.engine"]
    with Session(engine) as session:
        stored = session.scalar(
            text("SELECT ssn FROM client WHERE personal_id = :id"), {"id": PARENT}
        )
        assert PARENT_SSN not in stored
        with pytest.raises(InvalidToken):
            Fernet(Fernet.generate_key()).decrypt(stored.encode())
        assert not chain.verify(session, b"another audit key").intact


def test_a_restore_missing_one_audit_entry_fails_verification(
    restored: tuple[Flask, Flask],
) -> None:
    source, copy = restored
    engine = copy.extensions["portal.engine"]
    with Session(engine) as session:
        middle = session.scalar(select(func.count()).select_from(AuditEntry)) // 2
        session.execute(delete(AuditEntry).where(AuditEntry.seq == middle))
        session.commit()
    verified = copy.test_cli_runner().invoke(
        args=["audit", "verify", "--head", _saved_head(source)]
    )
    assert verified.exit_code == 1
    assert f"BROKEN at entry {middle}" in verified.output
