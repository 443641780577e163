"""The Alembic migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from portal import migrate
from portal.models import metadata

# Also in the SQLite pass: `make run` does this on its SQLite file.
pytestmark = pytest.mark.sqlite


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    # The session's database was built by `upgrade head` (conftest), never by create_all.
    assert _differences(engine) == []
    assert set(inspect(engine).get_table_names()) == {*metadata.tables, "alembic_version"}


def test_migrations_go_down_to_empty_and_back_up(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert _differences(engine) == []
