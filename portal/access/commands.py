"""`flask --app wsgi access ...`: client access codes from the command line."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import db
from portal.audit.services import SYSTEM, record


def init_app(app: Flask) -> None:
    app.cli.add_command(access_group)


@click.group("access", cls=AppGroup, help="Client access codes.")
def access_group() -> None:
    pass


@access_group.command("issue", help="Issue a new access code for a client (revokes the old one).")
@click.argument("personal_id")
@click.option("--days", type=click.IntRange(1, 366), default=180, show_default=True)
def access_issue(personal_id: str, days: int) -> None:
    from portal.access.services import UnknownClient, issue_access_code

    session = db.session()
    try:
        code = issue_access_code(
            session, personal_id, current_app.config["SECRET_KEY"], lifetime=dt.timedelta(days=days)
        )
    except UnknownClient:
        raise click.ClickException("No client has that personal ID.") from None
    record(session, "access_code.issued", personal_id=personal_id, actor=SYSTEM)
    session.commit()
    click.echo(f"Access code (shown once; any earlier code no longer works): {code}")
