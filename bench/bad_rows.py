"""The import with 10% bad rows: the clean synthetic export with one row in ten of each client,
enrollment and exit file made bad the ways real exports are (half flagged, half quarantined),
timed as the clean one is, with --accept (it quarantines more than the safety threshold
allows). Issue 16: it must stay within 1.25 times the clean import's time."""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.dataset import COMPLETE_MARKER, Export, flask

EVERY = 10  # one row in ten
MAX_RATIO = 1.25
OLDER = "2000-01-01 00:00:00"

Spoil = Callable[[dict[str, str]], list[dict[str, str]]]


def _set(column: str, value: str) -> Spoil:
    return lambda row: [{**row, column: value}]


def _duplicate(row: dict[str, str]) -> list[dict[str, str]]:
    """The row, and after it the same key updated earlier: the copy is quarantined."""
    return [row, {**row, "DateUpdated": OLDER}]


# Per file, the ways a row goes bad, taken in turn: flagged, quarantined, flagged, ...
SPOILS: dict[str, tuple[Spoil, ...]] = {
    "Client.csv": (_set("RaceNone", "0"), _duplicate, _set("DOB", "45/45/1990")),
    "Enrollment.csv": (
        _set("RelationshipToHoH", "0"),
        _set("PersonalID", "NOBODY"),
        _set("EntryDate", "2024-02-30"),
        _duplicate,
    ),
    "Exit.csv": (_set("Destination", "4242"), _set("EnrollmentID", "NOWHERE"), _duplicate),
}


def _spoil_file(source: Path, target: Path, spoils: tuple[Spoil, ...]) -> int:
    bad = 0
    with (
        source.open(encoding="utf-8", newline="") as reading,
        target.open("w", encoding="utf-8", newline="") as writing,
    ):
        reader = csv.DictReader(reading)
        writer = csv.DictWriter(writing, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for number, row in enumerate(reader):
            if number % EVERY == EVERY // 2:
                writer.writerows(spoils[bad % len(spoils)](row))
                bad += 1
            else:
                writer.writerow(row)
    return bad


def bad_rows_export(clean: Export) -> Export:
    """A copy of the clean export with one row in ten bad; made once, kept in the cache."""
    folder = clean.folder.with_name(clean.folder.name + "-bad-rows")
    marker = folder / COMPLETE_MARKER
    if marker.exists():
        return Export(folder, json.loads(marker.read_text()), None)
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    spoiled: dict[str, int] = {}
    for source in clean.folder.glob("*.csv"):
        if source.name in SPOILS:
            spoiled[source.name] = _spoil_file(source, folder / source.name, SPOILS[source.name])
        else:
            shutil.copyfile(source, folder / source.name)
    marker.write_text(json.dumps(spoiled))
    return Export(folder, spoiled, round(time.perf_counter() - started, 1))


def timed_bad_import(env: dict[str, str], export: Export) -> dict[str, object]:
    """`flask --app wsgi hmis import --accept` into the empty database, wall clock."""
    started = time.perf_counter()
    finished = flask(env, "hmis", "import", "--json", "--accept", str(export.folder))
    took = time.perf_counter() - started
    summary = json.loads(finished.stdout)
    return {
        "seconds": round(took, 2),
        "spoiled_rows": export.rows,
        "files": {
            name: {key: counts[key] for key in ("rows", "imported", "flagged", "quarantined")}
            for name, counts in summary["files"].items()
        },
    }


def ratio(clean: dict[str, Any], bad: dict[str, Any]) -> float | None:
    if clean.get("skipped") or bad.get("skipped") or not clean.get("seconds"):
        return None
    return round(float(bad["seconds"]) / float(clean["seconds"]), 2)
