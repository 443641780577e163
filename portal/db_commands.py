"""`flask --app wsgi db ...`: the database schema, through Alembic (portal.migrate)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal import db, migrate


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)


@click.group("db", cls=AppGroup, help="Database schema (Alembic migrations).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Bring the database to the current schema (or REVISION).")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    migrate.upgrade(db.engine(), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade", help="Step the schema back to REVISION (e.g. -1 or base).")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(db.engine(), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("revision", help="Write a new migration from the difference to the models.")
@click.option("-m", "--message", required=True)
@click.option("--rev-id", default=None, help="A readable id, e.g. 0002.")
def db_revision(message: str, rev_id: str | None) -> None:
    migrate.revision(db.engine(), message, rev_id)


@db_group.command("current", help="Show the database's schema revision.")
def db_current() -> None:
    migrate.current(db.engine())
