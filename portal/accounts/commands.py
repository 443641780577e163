"""`flask --app wsgi users ...`: staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import db
from portal.audit.services import SYSTEM, record


def init_app(app: Flask) -> None:
    app.cli.add_command(users_group)


@click.group("users", cls=AppGroup, help="Staff accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create a staff user (the first HMIS lead, for example).")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option(
    "--role",
    prompt=True,
    type=click.Choice(["agency_staff", "agency_admin", "hmis_lead", "system_admin"]),
)
@click.option(
    "--agency",
    "organization_id",
    default=None,
    help="HMIS OrganizationID (required for agency roles).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--setup-link", is_flag=True, help="Print a one-time set-up link instead.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the portal is served, for the set-up link.",
)
def users_create(
    email: str,
    name: str,
    role: str,
    organization_id: str | None,
    password_stdin: bool,
    setup_link: bool,
    base_url: str,
) -> None:
    from portal.accounts.models import Role
    from portal.accounts.services import AccountError, create_staff_user, issue_setup_token

    if password_stdin and setup_link:
        raise click.UsageError("Choose --password-stdin or --setup-link, not both.")
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not setup_link:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = db.session()
    try:
        user = create_staff_user(
            session,
            email=email,
            name=name,
            role=Role(role),
            organization_id=organization_id,
            password=password,
        )
        token = (
            issue_setup_token(session, user, current_app.config["SECRET_KEY"])
            if setup_link
            else None
        )
        record(
            session, "staff_user.created", object_type="staff_user", object_id=user.id, actor=SYSTEM
        )
        session.commit()
    except AccountError as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.value} {user.email}.")
    if token:
        click.echo(
            f"One-time set-up link (valid 3 days): {base_url.rstrip('/')}/staff/set-up/{token}"
        )
