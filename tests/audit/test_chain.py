"""The audit trail: what is recorded, that it holds no personal values, and that tampering with
it (edit, delete, reorder, insert, truncate) is caught and named."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.audit import chain
from portal.audit.chain import chain_all, verify
from portal.audit.models import AuditEntry, AuditHead
from tests.fixtures.clients import DOB, PERSON, SignIn, signed_in_client

KEY = b"test audit key, not for production"
_RANDOM_HEX = re.compile(r"[0-9a-f]{32,}")  # uuid4().hex, SHA-256 and HMAC digests


@pytest.fixture
def journey(app: Flask, client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    """The journey's entries, chained (as the server's chainer does within a second)."""
    _journey(client, sign_in, code)
    with Session(app.extensions["portal.engine"]) as session:
        chain_all(session, KEY)
    return client


def _journey(client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    """A failed and a good sign-in, the notice acknowledged, the client's page, sign-out."""
    sign_in(code, **dict(DOB, dob_day="18"))
    signed_in_client(client, sign_in, code)
    client.get("/my-page")
    token = client.get("/my-page").page.select_one("form.sign-out input[name=csrf_token]")["value"]
    client.post("/sign-out", data={"csrf_token": token})
    return client


def _actions(db_session: Session) -> list[tuple[str, str, str | None]]:
    entries = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(e.action, e.actor_kind, e.personal_id) for e in entries]


def test_client_journey_is_recorded(journey: FlaskClient, db_session: Session) -> None:
    actions = _actions(db_session)
    assert ("client.sign_in_failed", "anonymous", None) in actions
    assert ("client.signed_in", "anonymous", PERSON) in actions
    assert ("notice.acknowledged", "client", PERSON) in actions
    assert ("client.page_viewed", "client", PERSON) in actions
    assert actions[-1] == ("client.signed_out", "client", PERSON)


def test_entries_hold_no_personal_values(journey: FlaskClient, db_session: Session) -> None:
    rows = db_session.execute(text("SELECT * FROM audit_entry")).all()
    assert rows
    # Random ids and HMACs are left out: "1982" turns up in one run of twenty inside hex digits.
    text_of_rows = " ".join(
        str(value) for row in rows for value in row if not _RANDOM_HEX.fullmatch(str(value))
    )
    for personal_value in ("Client", "One", "1982", "10-17", "1982-10-17"):
        assert personal_value not in text_of_rows


def test_chain_verifies_and_the_commands_print_its_head(
    app: Flask, journey: FlaskClient, db_session: Session
) -> None:
    verdict = verify(db_session, KEY)
    assert verdict.intact
    assert verdict.entries == db_session.scalar(text("SELECT count(*) FROM audit_entry"))
    runner = app.test_cli_runner()
    head = runner.invoke(args=["audit", "head"]).output.strip()
    assert head == f"{verdict.head_seq}:{verdict.head_hmac}"
    checked = runner.invoke(args=["audit", "verify", "--head", head])
    assert checked.exit_code == 0
    assert checked.output.startswith(f"Intact: {verdict.entries} entries")


def _break(db_session: Session, statement: str, **params: object) -> None:
    db_session.execute(text(statement), params)
    db_session.commit()


def test_an_edited_entry_is_named(journey: FlaskClient, db_session: Session) -> None:
    _break(db_session, "UPDATE audit_entry SET action = 'client.page_viewed' WHERE seq = 3")
    verdict = verify(db_session, KEY)
    assert (verdict.broken_at, verdict.reason) == (3, "entry was changed")


def test_a_changed_time_is_caught(journey: FlaskClient, db_session: Session) -> None:
    _break(db_session, "UPDATE audit_entry SET at = '2020-01-01 00:00:00' WHERE seq = 2")
    assert verify(db_session, KEY).broken_at == 2


def test_a_deleted_entry_is_named(journey: FlaskClient, db_session: Session) -> None:
    _break(db_session, "DELETE FROM audit_entry WHERE seq = 2")
    verdict = verify(db_session, KEY)
    assert verdict.broken_at == 2
    assert "missing" in verdict.reason


def test_reordered_entries_are_caught(journey: FlaskClient, db_session: Session) -> None:
    _break(db_session, "UPDATE audit_entry SET seq = -1 WHERE seq = 2")
    _break(db_session, "UPDATE audit_entry SET seq = 2 WHERE seq = 3")
    _break(db_session, "UPDATE audit_entry SET seq = 3 WHERE seq = -1")
    assert verify(db_session, KEY).broken_at == 2


def test_an_inserted_entry_is_caught(journey: FlaskClient, db_session: Session) -> None:
    last = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    # A forger without the key copies the shape of a real entry.
    _break(
        db_session,
        "INSERT INTO audit_entry (seq, at, actor_kind, action, prev_hmac, hmac) "  # id: its own
        "VALUES (:seq, :at, 'staff', 'client.identity_viewed', :prev, :mac)",
        seq=last.seq + 1,
        at=last.at,
        prev=last.hmac,
        mac="f" * 64,
    )
    assert verify(db_session, KEY).broken_at == last.seq + 1


def test_a_cut_off_tail_is_caught_against_the_saved_head(
    app: Flask, journey: FlaskClient, db_session: Session
) -> None:
    saved = verify(db_session, KEY)
    _break(db_session, "DELETE FROM audit_entry WHERE seq = :seq", seq=saved.head_seq)
    assert "recorded head" in verify(db_session, KEY).reason
    # Even with the head row rewritten to match, the head saved elsewhere tells.
    previous = db_session.scalars(
        select(AuditEntry).where(AuditEntry.seq == saved.head_seq - 1)
    ).one()
    head = db_session.get(AuditHead, 1)
    head.seq, head.hmac = previous.seq, previous.hmac
    db_session.commit()
    assert verify(db_session, KEY).intact
    cut = verify(db_session, KEY, (saved.head_seq, saved.head_hmac))
    assert not cut.intact
    assert "before the saved head" in cut.reason
    result = app.test_cli_runner().invoke(
        args=["audit", "verify", "--head", f"{saved.head_seq}:{saved.head_hmac}"]
    )
    assert result.exit_code == 1
    assert f"BROKEN at entry {saved.head_seq}" in result.output


def test_a_wrong_key_cannot_verify(journey: FlaskClient, db_session: Session) -> None:
    assert verify(db_session, b"another key").broken_at == 1


def test_staff_view_of_a_client_is_recorded_with_agency_and_role(
    app: Flask, db_session: Session
) -> None:
    from tests.accounts.test_staff_sign_in import post_form, staff_user
    from tests.accounts.test_staff_sign_in import sign_in as staff_sign_in

    staff_user(db_session)
    client = app.test_client()
    staff_sign_in(client, "cm@agency.example")
    post_form(client, "/staff/access-codes/new", {"personal_id": PERSON})
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "client.identity_viewed")
    ).one()
    assert (entry.actor_kind, entry.actor_role, entry.actor_agency, entry.personal_id) == (
        "staff",
        "agency_staff",
        "109",
        PERSON,
    )


def test_entries_wait_for_the_chainer_and_show_at_once(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    """A request only writes its entry; the chainer gives it its place. Until then the entry
    is listed (in the order written) but not in the chain, and the chain stays intact."""
    _journey(client, sign_in, code)
    written = db_session.scalar(text("SELECT count(*) FROM audit_entry"))
    if app.extensions["portal.engine"].dialect.name == "postgresql":
        pending = verify(db_session, KEY)
        assert (pending.entries, pending.unchained, pending.intact) == (0, written, True)
    chain_all(db_session, KEY)
    chained = verify(db_session, KEY)
    assert (chained.entries, chained.unchained, chained.intact) == (written, 0, True)
    seqs = db_session.scalars(select(AuditEntry.seq).order_by(AuditEntry.id)).all()
    assert seqs == list(range(1, written + 1))  # in the order written, without a gap


def test_a_row_slipped_in_without_the_key_is_never_chained(
    journey: FlaskClient, db_session: Session
) -> None:
    before = verify(db_session, KEY)
    _break(
        db_session,
        "INSERT INTO audit_entry (at, actor_kind, action, writer_hmac) "
        "VALUES ('2026-01-01 00:00:00', 'staff', 'client.identity_viewed', :mac)",
        mac="f" * 64,
    )
    assert chain_all(db_session, KEY) == 0
    after = verify(db_session, KEY)
    assert (after.intact, after.entries, after.head_hmac) == (
        True,
        before.entries,
        before.head_hmac,
    )
    assert after.unchained == 1


WRITERS, ENTRIES_EACH = 6, 40


def test_concurrent_writers_and_chainers_make_one_chain_without_gap_or_fork(
    app: Flask, db_session: Session
) -> None:
    """Writers in threads of their own (some transactions rolled back, leaving holes in the
    sequence) while two chainers run: one exact chain of every committed entry."""
    engine = app.extensions["portal.engine"]
    start, done = threading.Barrier(WRITERS + 2), threading.Event()
    committed: list[str] = []

    def writer(number: int) -> None:
        start.wait()
        for i in range(ENTRIES_EACH):
            with Session(engine) as session:
                object_id = f"{number}-{i}"
                chain.append(
                    session, KEY, actor_kind="system", action="test.written", object_id=object_id
                )
                if i % 7 == 3:
                    session.rollback()  # the sequence number is spent, the entry never was
                    continue
                session.commit()
                committed.append(object_id)

    def chainer() -> None:
        start.wait()
        while not done.is_set():
            with Session(engine) as session:
                chain.chain_pending(session, KEY, wait=False, batch=7)
                session.commit()

    with ThreadPoolExecutor(WRITERS + 2) as pool:
        chainers = [pool.submit(chainer) for _ in range(2)]
        for future in [pool.submit(writer, n) for n in range(WRITERS)]:
            future.result()
        done.set()
        for future in chainers:
            future.result()
    chain_all(db_session, KEY)
    verdict = verify(db_session, KEY)
    assert verdict.intact, verdict.reason
    assert (verdict.entries, verdict.unchained) == (len(committed), 0)
    rows = db_session.execute(select(AuditEntry.seq, AuditEntry.object_id)).all()
    assert sorted(seq for seq, _ in rows) == list(range(1, len(committed) + 1))
    assert sorted(object_id for _, object_id in rows) == sorted(committed)


def test_the_server_loop_chains_what_requests_wrote(app: Flask, db_session: Session) -> None:
    engine = app.extensions["portal.engine"]
    with Session(engine) as session:
        chain.append(session, KEY, actor_kind="system", action="test.written")
        session.commit()
    stop = threading.Event()
    loop = threading.Thread(target=chain._chain_loop, args=(engine, KEY, 0.01, stop))
    loop.start()
    try:
        for _ in range(500):
            if db_session.scalar(select(AuditEntry.seq)) is not None:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        loop.join()
    assert verify(db_session, KEY).entries == 1


def test_each_record_view_is_an_entry(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    for _ in range(3):
        assert client.get("/my-record").status_code == 200
    viewed = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "client.record_viewed")
    ).all()
    assert len(viewed) == 3
