"""`flask --app wsgi demo setup`: demo data and accounts for trying the portal on one machine.

It composes every feature (the HMIS import, accounts, notices, forms, access codes), so it sits
above them all rather than in one of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import db
from portal.exchange.services import audit_import


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_group)


@click.group("demo", cls=AppGroup, help="Demo data for trying the portal on one machine.")
def demo_group() -> None:
    pass


DEMO_NOTICE = Path(__file__).parent.parent / "notice" / "demo"
DEMO_PASSWORD = "demo password for trying the portal"  # noqa: S105 - printed to the operator on purpose
DEMO_STAFF = (
    ("lead@demo.example.org", "Demo HMIS Lead", "hmis_lead", None),
    ("sysadmin@demo.example.org", "Demo System Administrator", "system_admin", None),
    ("admin@demo.example.org", "Demo Agency Administrator", "agency_admin", "first"),
    ("staff@demo.example.org", "Demo Case Manager", "agency_staff", "first"),
)


@demo_group.command("setup", help="Generate and import demo data and accounts, once; print them.")
@click.option("--clients", type=int, default=300, show_default=True)
def demo_setup(clients: int) -> None:
    from portal.accounts.models import Role, StaffUser
    from portal.accounts.policy import DEMO_POLICY, POLICY
    from portal.accounts.services import create_staff_user
    from portal.hmis.demo import write_demo_export
    from portal.hmis.models import Organization
    from portal.hmis.services import run_import
    from portal.notice.services import load_demo_notice, load_demo_versions
    from portal.sharing.services import DEMO_SHARING_FORMS, REFUSAL_FORM, RESTORE_FORM

    session = db.session()
    if session.scalar(select(Organization.organization_id).limit(1)) is None:
        export_dir = Path(current_app.instance_path) / "demo-export"
        export_dir.mkdir(parents=True, exist_ok=True)
        write_demo_export(export_dir, clients)
        result = run_import(
            session,
            export_dir,
            on_recorded=lambda run: audit_import(session, run),
            accept=True,  # the generator's own data, into an empty database
        )
        if not result.succeeded:
            for problem in result.outcomes[:20]:
                click.echo(str(problem), err=True)
            raise click.ClickException("The demo export did not import.")
        click.echo(f"Imported demo data ({clients} synthetic clients).")
    if load_demo_notice(session, DEMO_NOTICE):
        click.echo("Published the demo privacy notice (4 versions, en/es/pl).")
    for kind in (REFUSAL_FORM, RESTORE_FORM):
        if load_demo_versions(session, DEMO_SHARING_FORMS[kind], kind):
            click.echo(f"Published the demo {kind.replace('_', ' ')} form (en/es/pl).")
    if load_demo_versions(session, DEMO_POLICY, POLICY):
        click.echo("Published the demo End User Policy and Code of Ethics (en/es/pl).")
    from portal.consents.services import DEMO_CONSENT_FORMS

    for kind, folder in DEMO_CONSENT_FORMS.items():
        if load_demo_versions(session, folder, kind):
            click.echo(f"Published the demo {kind.replace('_', ' ')} form (en/es/pl).")
    first_agency = session.scalar(select(Organization.organization_id).order_by(Organization.name))
    for email, name, role, agency in DEMO_STAFF:
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
            create_staff_user(
                session,
                email=email,
                name=name,
                role=Role(role),
                organization_id=first_agency if agency else None,
                password=DEMO_PASSWORD,
            )
    if first_agency is not None:
        from portal.requests.demo_caseload import load_demo_caseload

        def demo_user(email: str) -> StaffUser | None:
            return session.scalar(select(StaffUser).where(StaffUser.email == email))

        made = load_demo_caseload(
            session,
            first_agency,
            demo_user("staff@demo.example.org"),
            demo_user("lead@demo.example.org"),
        )
        if made:
            click.echo(f"Made a demo caseload of {made} requests (due soon, overdue, assigned).")
    codes = _fresh_demo_access_codes(session)
    session.commit()
    _print_demo_accounts(codes)


def _fresh_demo_access_codes(session: Session) -> list[tuple[str, str, str]]:
    """New codes for three synthetic adults (codes are stored hashed, so every run issues anew)."""
    from portal.access.services import issue_access_code
    from portal.hmis.models import Client

    adults = session.scalars(
        select(Client)
        .where(
            Client.date_deleted.is_(None),
            Client.dob_data_quality == 1,
            Client.dob < dt.date(2000, 1, 1),
        )
        .order_by(Client.personal_id)
        .limit(3)
    ).all()
    secret_key = current_app.config["SECRET_KEY"]
    return [
        (
            adult.personal_id,
            str(adult.dob),
            issue_access_code(session, adult.personal_id, secret_key),
        )
        for adult in adults
    ]


def _print_demo_accounts(codes: list[tuple[str, str, str]]) -> None:
    click.echo("")
    click.echo(f"Demo staff accounts (password for all: {DEMO_PASSWORD!r}):")
    for email, _name, role, _agency in DEMO_STAFF:
        click.echo(f"  {email:<30} {role}")
    click.echo("Demo client access codes (synthetic people; new codes on every run):")
    for personal_id, dob, code in codes:
        click.echo(f"  {code}   date of birth {dob}   PersonalID {personal_id}")
    click.echo("Clients sign in at /sign-in; staff at /staff/sign-in.")
