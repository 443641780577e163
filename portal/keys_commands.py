"""`flask --app wsgi keys ...`: re-encrypting and verifying the encrypted columns (portal.keys)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from portal import db
from portal.audit.services import record


def init_app(app: Flask) -> None:
    app.cli.add_command(keys_group)


@click.group("keys", cls=AppGroup, help="Encryption keys.")
def keys_group() -> None:
    pass


@keys_group.command(
    "rotate",
    help="Re-encrypt every encrypted column under the first key of PORTAL_SSN_KEYS, in "
    "batches (run it again after an interruption), then verify with that key alone.",
)
@click.option("--batch", type=click.IntRange(1, 100_000), default=500, show_default=True)
def keys_rotate(batch: int) -> None:
    from portal.keys import encrypted_tables, rotate_all
    from portal.models import metadata

    session = db.session()
    for found in encrypted_tables(metadata):
        click.echo(f"{found.table.name}: {', '.join(c.name for c in found.columns)}")
    report = rotate_all(
        session,
        metadata,
        batch=batch,
        progress=lambda table, done: click.echo(f"  {table}: {done} rows done"),
    )
    record(session, "keys.rotated", object_type="values", object_id=sum(report.rotated.values()))
    session.commit()
    click.echo(
        f"Re-encrypted {sum(report.rotated.values())} values; "
        f"{sum(report.current.values())} were already under the first key."
    )
    _verify(session)


@keys_group.command(
    "verify", help="Read every encrypted value with the first key alone; exit 1 if any fails."
)
def keys_verify() -> None:
    _verify(db.session())


def _verify(session: Session) -> None:
    from portal.keys import verify_all
    from portal.models import metadata

    report = verify_all(session, metadata)
    for name in sorted({*report.current, *report.unreadable}):
        readable, broken = report.current.get(name, 0), report.unreadable.get(name, 0)
        click.echo(f"  {name}: {readable} read" + (f", {broken} NOT readable" if broken else ""))
    unreadable = sum(report.unreadable.values())
    if unreadable:
        click.echo(f"Verify FAILED: {unreadable} values do not read with the first key.", err=True)
        sys.exit(1)
    click.echo(f"Verified: all {report.values} encrypted values read with the first key alone.")


@keys_group.command("rotate-ssn", hidden=True, help="Old name of `keys rotate`.")
@click.pass_context
def keys_rotate_ssn(context: click.Context) -> None:
    context.invoke(keys_rotate)
