"""The authorization matrix's world (two agencies, a household, a correction and a complaint of
client A, a user of every staff role) and its users' browsers, signed in on first use."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.test_authorization_matrix import World, _seed, _signed_in


class Browsers(dict[str, FlaskClient]):
    """One browser per user of the matrix ("anonymous", "client_a", "staff_b", ...)."""

    def __init__(self, app: Flask, session: Session) -> None:
        super().__init__()
        self.app, self.session = app, session

    def __missing__(self, user: str) -> FlaskClient:
        self[user] = self.fresh(user)
        return self[user]

    def fresh(self, user: str) -> FlaskClient:
        """A new browser signed in as user (for a staff user, this ends their other session)."""
        if user == "anonymous":
            return self.app.test_client()
        return _signed_in(self.app, self.session, user)


@pytest.fixture
def world(app: Flask, db_session: Session) -> World:
    return _seed(app, db_session, refused=False)


@pytest.fixture
def browsers(app: Flask, db_session: Session, world: World) -> Browsers:
    return Browsers(app, db_session)
