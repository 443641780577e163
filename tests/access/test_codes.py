"""Client access codes: random, forgiving to type, stored only as a keyed hash, one live each."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.access.models import AccessCode
from portal.access.services import (
    UnknownClient,
    issue_access_code,
    live_code_for,
    normalize_code,
)
from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV

SECRET = "test secret key, not for production"
CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


@pytest.fixture
def clients(db_session: Session) -> Session:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    return db_session


PERSON = "2f4b963171644a8b9902bdfe79a4b403"


def test_code_has_80_random_bits_in_unambiguous_groups(clients: Session) -> None:
    codes = {issue_access_code(clients, PERSON, SECRET) for _ in range(50)}
    assert len(codes) == 50
    assert all(CODE_SHAPE.match(code) for code in codes)


def test_only_a_keyed_hash_is_stored(clients: Session) -> None:
    code = issue_access_code(clients, PERSON, SECRET)
    clients.commit()
    stored = clients.execute(text("SELECT code_hash FROM access_code")).scalar_one()
    assert normalize_code(code) not in stored
    assert code not in stored
    assert live_code_for(clients, code, "another secret") is None


def test_typing_is_forgiven(clients: Session) -> None:
    code = issue_access_code(clients, PERSON, SECRET)
    sloppy = " " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + "\n"
    assert live_code_for(clients, sloppy, SECRET) is not None


def test_new_code_revokes_the_old_one(clients: Session) -> None:
    first = issue_access_code(clients, PERSON, SECRET)
    second = issue_access_code(clients, PERSON, SECRET)
    assert live_code_for(clients, first, SECRET) is None
    assert live_code_for(clients, second, SECRET).personal_id == PERSON
    live = clients.scalars(select(AccessCode).where(AccessCode.revoked_at.is_(None))).all()
    assert len(live) == 1


def test_expired_code_does_not_work(clients: Session) -> None:
    code = issue_access_code(clients, PERSON, SECRET, lifetime=dt.timedelta(seconds=-1))
    assert live_code_for(clients, code, SECRET) is None


def test_unknown_client_is_refused(clients: Session) -> None:
    with pytest.raises(UnknownClient):
        issue_access_code(clients, "nobody", SECRET)


def test_operator_command_issues_a_code(app: Flask, clients: Session) -> None:
    clients.commit()
    result = app.test_cli_runner().invoke(args=["access", "issue", PERSON])
    assert result.exit_code == 0, result.output
    code = result.output.strip().rsplit(" ", 1)[-1]
    assert CODE_SHAPE.match(code)
    assert live_code_for(clients, code, SECRET) is not None
    missing = app.test_cli_runner().invoke(args=["access", "issue", "nobody"])
    assert missing.exit_code != 0
    assert "No client has that personal ID" in missing.output
