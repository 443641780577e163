"""`flask --app wsgi hmis ...`: importing the HMIS CSV export, exporting the changes back,
writing a synthetic export."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import DBAPIError

from portal import db
from portal.audit.services import SYSTEM
from portal.exchange.services import audit_import
from portal.hmis.outcomes import ImportResult
from portal.hmis.reading import ExportFiles


def init_app(app: Flask) -> None:
    app.cli.add_command(hmis_group)


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

    def on_read(files: ExportFiles) -> None:
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
            on_recorded=lambda run: audit_import(session, run),
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


def _print_import_report(result: ImportResult) -> None:
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

    from portal.exchange.changes import ExportRaced, export_changes, start_of_day

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
