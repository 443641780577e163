"""Operator commands: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal import db, migrate
from portal.audit.services import SYSTEM, record


def _audit_import(session, run) -> None:  # type: ignore[no-untyped-def]
    action = {
        "imported": "hmis.import_accepted" if run.accepted_by else "hmis.imported",
        "stopped": "hmis.import_stopped",
    }.get(run.status, "hmis.import_refused")
    record(session, action, object_type="import_run", object_id=run.id, actor=SYSTEM)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(hmis_group)
    app.cli.add_command(users_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(access_group)
    app.cli.add_command(audit_group)


# ---------------------------------------------------------------- db


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


# ---------------------------------------------------------------- hmis


@click.group("hmis", cls=AppGroup, help="Exchange with the HMIS of record (HUD HMIS CSV).")
def hmis_group() -> None:
    pass


@hmis_group.command("import", help="Import a HUD HMIS CSV export (folder or zip, FY2024/FY2026).")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option(
    "--accept",
    is_flag=True,
    help="Import even if it would delete or quarantine more than the safety threshold allows.",
)
def hmis_import(path: Path, as_json: bool, accept: bool) -> None:
    from portal.hmis.importer import ExportUnreadable, Limits
    from portal.hmis.services import run_import

    show_bar = sys.stdout.isatty() and not as_json
    bar = None

    def on_read(files) -> None:  # type: ignore[no-untyped-def]
        nonlocal bar
        if show_bar:
            # Each row is read once and written once.
            bar = click.progressbar(length=2 * files.total_rows(), label="Importing", width=30)
            bar.__enter__()

    def tick(count: int) -> None:
        if bar is not None:
            bar.update(count)

    try:
        session = db.session()
        result = run_import(
            session,
            path,
            tick,
            on_read,
            on_recorded=lambda run: _audit_import(session, run),
            limits=Limits.from_settings(current_app.config["PORTAL"]),
            accept=accept,
            accepted_by="command line (--accept)" if accept else None,
        )
    except ExportUnreadable as error:
        raise click.ClickException(str(error)) from None
    except DBAPIError as error:
        # PostgreSQL's own message can quote the failing row ("Failing row contains ..."),
        # personal data that must not reach a terminal or a cron log. The import validates
        # every value first, so this is a fault to look into, not an export to fix.
        raise click.ClickException(
            f"The database refused the import ({type(error.orig).__name__}); nothing was "
            "changed. Its message can hold personal data, so it is not shown: see the "
            "database server's log."
        ) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(result.summary(), indent=2))
    else:
        _print_import_report(result)
    if result.status == "refused":
        sys.exit(1)
    if result.status == "stopped":
        sys.exit(2)


PROBLEMS_PRINTED = 20


def _print_import_report(result) -> None:  # type: ignore[no-untyped-def]
    from portal.hmis.importer import describe_stop

    problems = result.outcomes
    for problem in problems[:PROBLEMS_PRINTED]:
        click.echo(str(problem), err=True)
    if len(problems) > PROBLEMS_PRINTED:
        click.echo(
            f"... and {len(problems) - PROBLEMS_PRINTED} more (--json lists them all).", err=True
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.status == "refused":
        click.echo("Import refused: the export cannot be read; nothing was changed.", err=True)
        return
    if result.status == "stopped":
        for stop in result.stops:
            click.echo(f"Import stopped: {describe_stop(stop)}.", err=True)
        click.echo(
            "Nothing was changed. If the export is right, import it again with --accept.",
            err=True,
        )
        click.echo("What it would have done:")
    else:
        accepted = " (accepted over the safety threshold)" if result.stops else ""
        click.echo(
            f"Imported {result.source} ({result.standards}, {result.directive} refresh){accepted}."
        )
    click.echo(
        f"{'file':<18}{'rows':>8}{'imported':>10}{'flagged':>9}{'quarantined':>13}"
        f"{'deleted':>9}{'skipped':>9}"
    )
    for name, counts in result.files.items():
        click.echo(
            f"{name:<18}{counts.rows:>8}{counts.imported:>10}{counts.flagged:>9}"
            f"{counts.quarantined:>13}{counts.deleted:>9}{counts.skipped:>9}"
        )
    if result.ignored_files:
        click.echo("Ignored (not used by the portal): " + ", ".join(result.ignored_files))


@hmis_group.command(
    "export-changes",
    help="Write approved corrections and sharing refusals/restores since DATE as one CSV for "
    "the HMIS administrator to apply; each row goes out once (unless --again).",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="YYYY-MM-DD: decided or signed on or after this day (in PORTAL_TIMEZONE).",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The CSV to write (a new file: an existing one is never overwritten).",
)
@click.option("--again", is_flag=True, help="Include rows an earlier export already had.")
def hmis_export_changes(since: dt.datetime, out_file: Path, again: bool) -> None:
    import os

    from portal.hmis.exchange import ExportRaced, export_changes, start_of_day

    if out_file.exists():
        raise click.ClickException(f"{out_file} exists; nothing was exported.")
    # Written beside the target and renamed once the rows are marked exported: a failed export
    # leaves no file behind, and a file is never there for rows the database does not mark.
    partial = out_file.with_name(f".{out_file.name}.partial")
    session = db.session()
    start = start_of_day(since.date(), current_app.config["PORTAL"].timezone)
    try:
        export = export_changes(session, since=start, again=again, actor=SYSTEM)
        # 0600: the file holds personal data (the values of corrections).
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(export.csv_text())
        session.commit()
    except ExportRaced:
        session.rollback()
        partial.unlink(missing_ok=True)
        raise click.ClickException(
            "Another export ran at the same moment; nothing was exported. Run it again."
        ) from None
    except BaseException:
        session.rollback()
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out_file)
    click.echo(
        f"Exported {len(export.rows)} rows ({export.corrections} corrections, "
        f"{export.sharing_changes} sharing changes) to {out_file}."
    )


@hmis_group.command(
    "demo-data", help="Write a synthetic FY2026 HMIS CSV export (never real people)."
)
@click.option("--clients", type=click.IntRange(1, 1_000_000), default=300, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=2026, show_default=True)
def hmis_demo_data(clients: int, out_dir: Path, seed: int) -> None:
    from portal.hmis.demo import write_demo_export

    out_dir.mkdir(parents=True, exist_ok=True)
    counts = write_demo_export(out_dir, clients, seed)
    click.echo(f"Wrote {out_dir}: " + ", ".join(f"{name} {n}" for name, n in counts.items()))


# ---------------------------------------------------------------- users


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
        token = issue_setup_token(session, user, current_app.secret_key) if setup_link else None
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


# ---------------------------------------------------------------- access


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
            session, personal_id, current_app.secret_key, lifetime=dt.timedelta(days=days)
        )
    except UnknownClient:
        raise click.ClickException("No client has that personal ID.") from None
    record(session, "access_code.issued", personal_id=personal_id, actor=SYSTEM)
    session.commit()
    click.echo(f"Access code (shown once; any earlier code no longer works): {code}")


# ---------------------------------------------------------------- audit


@click.group("audit", cls=AppGroup, help="The tamper-evident audit trail.")
def audit_group() -> None:
    pass


def _audit_key() -> bytes:
    return current_app.config["PORTAL"].audit_key.encode()  # type: ignore[no-any-return]


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


# ---------------------------------------------------------------- keys


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


# ---------------------------------------------------------------- demo


@click.group("demo", cls=AppGroup, help="Demo data for trying the portal on one machine.")
def demo_group() -> None:
    pass


DEMO_NOTICE = Path(__file__).parent / "notice" / "demo"
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
            on_recorded=lambda run: _audit_import(session, run),
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
    secret_key = current_app.secret_key
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
