"""The safety threshold: an export that would delete or quarantine too much as a whole commits
nothing and says why with the figures, until it is accepted (--accept, or the HMIS lead's
button); the limits are settings."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.hmis.importer import Limits
from portal.hmis.models import Client, Enrollment, ImportOutcome, ImportRun
from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV
from tests.hmis.exports import client, write_export

pytestmark = pytest.mark.sqlite

ICOUNT_2026 = HMIS_CSV / "icount-fy2026"


def _live(session: Session, model: type) -> int:
    query = select(func.count()).select_from(model).where(model.date_deleted.is_(None))  # type: ignore[attr-defined]
    return session.scalar(query)  # type: ignore[no-any-return]


def _keep_rows(path: Path, keep: set[str], column: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    at = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [rows[0], *(row for row in rows[1:] if row[at] in keep)]
    )
    path.write_text(out.getvalue(), encoding="utf-8")


def _half_the_clients(tmp_path: Path) -> Path:
    """ICOUNT with only the first half of its clients (and their enrollments and exits)."""
    export = tmp_path / "half"
    shutil.copytree(ICOUNT_2026, export)
    with (export / "Client.csv").open(encoding="utf-8-sig", newline="") as handle:
        people = [row["PersonalID"] for row in csv.DictReader(handle)]
    kept = set(people[: len(people) // 2])
    for name in ("Client.csv", "Enrollment.csv", "Exit.csv"):
        _keep_rows(export / name, kept, "PersonalID")
    return export


def test_a_full_export_deleting_half_the_clients_stops_and_commits_nothing(
    db_session: Session, tmp_path: Path
) -> None:
    assert run_import(db_session, ICOUNT_2026).succeeded
    before = (_live(db_session, Client), _live(db_session, Enrollment))
    result = run_import(db_session, _half_the_clients(tmp_path))
    assert result.status == "stopped"
    assert not result.succeeded
    kinds = [(stop["kind"], stop["file"], stop["count"], stop["of"]) for stop in result.stops]
    assert kinds[0] == ("deleted", "Client.csv", 257, 514)
    assert kinds[1][:2] == ("deleted", "Enrollment.csv")
    assert result.stops[0]["percent"] == 50.0
    assert result.stops[0]["limit"] == 10
    db_session.expire_all()
    assert (_live(db_session, Client), _live(db_session, Enrollment)) == before
    run = db_session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert (run.status, run.succeeded) == ("stopped", False)
    assert (
        "stopped: it would delete 257 of the 514 clients the portal holds (50.0%; the limit is 10%)"
        in run.problems.splitlines()
    )

    accepted = run_import(db_session, _half_the_clients(tmp_path / "again"), accept=True)
    assert accepted.succeeded
    assert accepted.files["Client.csv"].deleted == 257
    db_session.expire_all()
    assert _live(db_session, Client) == 257


def test_the_limits_are_settings(db_session: Session, tmp_path: Path) -> None:
    assert run_import(db_session, ICOUNT_2026).succeeded
    result = run_import(
        db_session, _half_the_clients(tmp_path), limits=Limits(max_deleted_percent=60)
    )
    assert result.succeeded
    assert _live(db_session, Client) == 257


def test_an_export_quarantining_more_than_5_percent_stops(
    db_session: Session, tmp_path: Path
) -> None:
    people = [client(f"C{n}") for n in range(1, 20)] + [client("C1"), client("")]
    folder = write_export(tmp_path, "FY2026", clients=people)
    result = run_import(db_session, folder)
    assert result.status == "stopped"
    assert result.stops == [
        {
            "kind": "quarantined",
            "file": None,
            "count": 2,
            "of": 24,  # 21 clients, one organization, project and user
            "percent": 8.3,
            "limit": 5.0,
        }
    ]
    assert db_session.scalar(select(func.count()).select_from(Client)) == 0
    # The rows kept aside are stored with the stopped run, for the lead to look at.
    assert db_session.scalar(select(func.count()).select_from(ImportOutcome)) == 2


def test_cli_stops_with_the_figures_and_accept_proceeds(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["hmis", "import", str(ICOUNT_2026)]).exit_code == 0
    half = _half_the_clients(tmp_path)
    stopped = runner.invoke(args=["hmis", "import", str(half)])
    assert stopped.exit_code == 2, stopped.output
    assert (
        "Import stopped: it would delete 257 of the 514 clients the portal holds "
        "(50.0%; the limit is 10%)." in stopped.output
    )
    assert "Nothing was changed. If the export is right, import it again with --accept." in (
        stopped.output
    )
    assert _live(db_session, Client) == 514
    accepted = runner.invoke(args=["hmis", "import", str(half), "--accept"])
    assert accepted.exit_code == 0, accepted.output
    assert "(accepted over the safety threshold)" in accepted.output
    assert _live(db_session, Client) == 257
    from portal.audit.models import AuditEntry

    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["hmis.imported", "hmis.import_stopped", "hmis.import_accepted"]
