"""The registry of record items is the only list of them: what the record shows, what staff may
correct and what the changes export writes all come from portal.hmis.items."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.client.record import client_record
from portal.exchange import changes
from portal.hmis import csvspec, items
from portal.hmis.codes import STANDARDS
from portal.hmis.models import Client, Exit
from tests.factories import PARENT, hmis_world

PORTAL = Path(__file__).resolve().parents[2] / "portal"
ITEM_FILES = {spec.name: spec for spec in (csvspec.CLIENT, csvspec.ENROLLMENT, csvspec.EXIT)}
# Modules that show, download or export record items: none may name a HUD column itself.
READERS = (
    "client/record.py",
    "client/downloads.py",
    "exchange/changes.py",
    "requests/staff_forms.py",
    "requests/staff_views.py",
    "requests/views.py",
)


def _registered_columns() -> set[str]:
    return {column for item in items.ITEMS for column in item.columns()}


def _item_columns() -> set[str]:
    """HUD columns of the files record items live in, bar the keys that find a row."""
    keys = {"PersonalID", "EnrollmentID", "ExitID", "ProjectID", "HouseholdID"}
    tracked = {column.name for column in csvspec.TRACKED}
    return {
        column.name
        for spec in ITEM_FILES.values()
        for column in spec.columns
        if column.name not in keys | tracked
    }


def test_every_registered_column_is_a_hud_column_of_its_file() -> None:
    for item in items.ITEMS:
        names = {column.name for column in ITEM_FILES[item.hud_file].columns}
        assert set(item.columns()) <= names, item.key
        assert item.columns(), item.key
        if item.kind is items.Kind.CODED:
            assert item.multiple or item.code_list, item.key
        if item.export is not items.Export.MANUAL:
            assert item.hud_column, item.key


@pytest.mark.parametrize("module", READERS)
def test_no_module_names_a_hud_column_the_registry_does_not_have(module: str) -> None:
    """A new column exported (or shown) without a registry entry fails here."""
    tree = ast.parse((PORTAL / module).read_text("utf-8"))
    named = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    unregistered = (named & _item_columns()) - _registered_columns()
    assert not unregistered, f"{module} names {unregistered}: add them to portal/hmis/items.py"


def test_the_export_writes_each_item_in_its_registered_column() -> None:
    for item in items.ITEMS:
        key = items.record_key(item, "E9")
        for standards in STANDARDS:
            target = changes.hud_target(key, "P1", "x", standards)
            assert target.file == item.hud_file
            assert target.key_column == item.hud_key_column
            assert target.key == ("E9" if item.section == "enrollment" else "P1")
            expected = item.hud_column if item.export is not items.Export.MANUAL else "manual"
            assert target.column == expected, key
    assert changes.hud_target("identity.favourite_colour", "P1", "x", "FY2026").column == "manual"


def test_coded_items_offer_the_codes_of_their_data_standards() -> None:
    sex = items.BY_KEY["demographics.sex"]
    assert sex.allowed_codes("FY2026")["1"] == "Male"
    assert sex.allowed_codes("FY2024") == {}  # FY2024 has gender instead
    assert items.BY_KEY["demographics.gender"].allowed_codes("FY2024")["4"] == "Non-Binary"
    assert "Asian" in items.BY_KEY["demographics.race"].allowed_codes("FY2026")
    assert items.BY_KEY["enrollment.destination"].allowed_codes("FY2026")["118"] == "Safe Haven"
    assert items.BY_KEY["identity.first_name"].allowed_codes("FY2026") == {}


def test_keys_of_a_record_resolve_to_their_entries() -> None:
    assert items.entry_for("enrollment.E-1.destination") is items.BY_KEY["enrollment.destination"]
    assert items.entry_for("enrollment.destination") is None  # a record key names its enrollment
    assert items.entry_for("identity.dob") is items.BY_KEY["identity.dob"]
    assert items.entry_for("identity") is None
    assert items.staff_label("enrollment.E-1.exit_date") == "Exit date (E-1)"
    assert items.staff_label("identity.ssn") == "Social Security number"


@pytest.mark.parametrize("standards", STANDARDS)
def test_every_item_of_a_full_record_is_registered(
    app: Flask, db_session: Session, standards: str
) -> None:
    hmis_world(db_session)
    client = db_session.get(Client, PARENT)
    assert client is not None
    client.data_standards = standards
    db_session.add(
        Exit(
            exit_id="X-1",
            enrollment_id=f"E-A-{PARENT}",
            personal_id=PARENT,
            exit_date=dt.date(2021, 1, 1),
            destination=118,
            date_created=dt.datetime(2021, 1, 1),
        )
    )
    db_session.commit()
    with app.test_request_context():
        record = client_record(db_session, PARENT)
        assert record is not None
        keys = [item.key for item in record.items()]
        entries = [items.entry_for(key) for key in keys]
        assert None not in entries
        assert {entry.key for entry in entries if entry} == {
            item.key for item in items.ITEMS if standards in item.standards
        }
        for item in record.items():
            assert item.label == str(items.entry_for(item.key).label)  # type: ignore[union-attr]
