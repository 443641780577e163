"""Alembic, driven from the app's own engine (`flask --app wsgi db upgrade`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from portal import PROJECT_ROOT


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["engine"] = engine
    return config


def _run(engine: Engine, action: str, *args: object, **kwargs: object) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, *args, **kwargs)


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def revision(engine: Engine, message: str, rev_id: str | None = None) -> None:
    _run(engine, "revision", message=message, autogenerate=True, rev_id=rev_id)


def current(engine: Engine) -> None:
    _run(engine, "current")
