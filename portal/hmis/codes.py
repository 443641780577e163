"""HUD HMIS code lists (FY2024, FY2026): code to label, for validation and display."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

STANDARDS = ("FY2024", "FY2026")


@cache
def _lists() -> dict[str, dict[str, dict[str, Any]]]:
    """{standards: {list name: {"values": {code: label}, ...}}}, as JSON gives it."""
    text = resources.files("portal.hmis").joinpath("hud_code_lists.json").read_text("utf-8")
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(text)
    data.pop("_source")
    return data


@cache
def codes(standards: str, list_name: str) -> Mapping[int, str]:
    """The codes of one HUD list under one data standard, with their English labels.

    Cached (the importer checks every coded cell against its list) and so read-only."""
    lists = _lists()[standards]
    entry = lists.get(list_name)
    if entry is None:
        raise KeyError(f"{list_name} is not a {standards} list the portal knows")
    values: dict[str, str] = entry["values"]
    return MappingProxyType({int(code): label for code, label in values.items()})


def race_labels(standards: str) -> dict[str, str]:
    """The race and ethnicity list, keyed by its CSV column name (it has no numeric codes)."""
    values: dict[str, str] = _lists()[standards]["Race"]["values"]
    return values
