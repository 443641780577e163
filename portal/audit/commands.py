"""`flask --app wsgi audit ...`: chaining and verifying the tamper-evident audit trail."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import db
from portal.config import Settings


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_group)


@click.group("audit", cls=AppGroup, help="The tamper-evident audit trail.")
def audit_group() -> None:
    pass


def _audit_key() -> bytes:
    settings: Settings = current_app.config["PORTAL"]
    return settings.audit_key.encode()


@audit_group.command("chain", help="Chain the entries written since the last chaining.")
@click.option(
    "--follow", is_flag=True, help="Keep chaining, every half second, until stopped (Ctrl-C)."
)
def audit_chain(follow: bool) -> None:
    from portal.audit.chain import CHAIN_INTERVAL_SECONDS, chain_all

    while True:
        chained = chain_all(db.session(), _audit_key())
        if not follow:
            click.echo(f"Chained {chained} entries.")
            return
        time.sleep(CHAIN_INTERVAL_SECONDS)


@audit_group.command("head", help="Print the chain's head (SEQ:HMAC) to keep somewhere else.")
def audit_head() -> None:
    from portal.audit.chain import chain_all, verify

    chain_all(db.session(), _audit_key())  # what was written until now, chained first
    verdict = verify(db.session(), _audit_key())
    if not verdict.intact:
        raise click.ClickException(f"The chain is broken at entry {verdict.broken_at}.")
    click.echo(f"{verdict.head_seq}:{verdict.head_hmac}")


@audit_group.command("verify", help="Check the whole chain; name the first broken entry.")
@click.option("--head", "saved", default=None, help="A head saved earlier (SEQ:HMAC).")
def audit_verify(saved: str | None) -> None:
    from portal.audit.chain import chain_all, verify

    saved_head = None
    if saved:
        seq, _, mac = saved.partition(":")
        if not seq.isdigit() or len(mac) != 64:
            raise click.BadParameter("expected SEQ:HMAC as printed by `audit head`")
        saved_head = (int(seq), mac)
    chain_all(db.session(), _audit_key())  # what was written until now, chained first
    verdict = verify(db.session(), _audit_key(), saved_head)
    if verdict.intact:
        click.echo(
            f"Intact: {verdict.entries} entries, head {verdict.head_seq}:{verdict.head_hmac}"
        )
        if verdict.unchained:
            click.echo(
                f"Not in the chain: {verdict.unchained} entries (written since, or not written "
                "by the portal: `flask audit chain` leaves those out and logs their ids).",
                err=True,
            )
        return
    click.echo(f"BROKEN at entry {verdict.broken_at}: {verdict.reason}", err=True)
    sys.exit(1)
