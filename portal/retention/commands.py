"""`flask --app wsgi retention ...`: the operator's dry run (`due`) and purge
(`purge --confirm`) of the personal data past the retention schedule."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal import db
from portal.audit.services import SYSTEM
from portal.retention import services


def init_app(app: Flask) -> None:
    app.cli.add_command(retention_group)


@click.group("retention", cls=AppGroup, help="Purging personal data past the retention schedule.")
def retention_group() -> None:
    pass


def _rule_text(due: services.Due) -> str:
    return ", ".join(f"{rule.data_type} {rule.years}y" for rule in due.rules)


@retention_group.command(
    "due", help="The dry run: one line per client due for purging, with the rule."
)
def due_command() -> None:
    due = services.records_due(db.session())
    for item in due:
        click.echo(
            f"{item.personal_id}\tlast activity {item.last_activity.isoformat()}\t"
            f"{_rule_text(item)} after last enrollment activity"
        )
    click.echo(f"{len(due)} client(s) due.", err=True)


@retention_group.command("purge", help="Purge the personal data of every client due (see `due`).")
@click.option("--confirm", is_flag=True, help="Needed: without it nothing is purged.")
def purge_command(confirm: bool) -> None:
    session = db.session()
    due = services.records_due(session)
    if not confirm:
        raise click.ClickException(
            f"{len(due)} client(s) due; nothing purged. Run `retention due` to read the list, "
            "then `retention purge --confirm`."
        )
    purged = services.purge(session, due)
    services.audit_purged(session, purged, actor=SYSTEM)
    session.commit()
    click.echo(f"Purged {len(purged)} client(s); de-identified stubs kept.")
