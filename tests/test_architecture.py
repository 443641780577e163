"""Rules about the code's shape that every later feature inherits."""

from __future__ import annotations

import re

from flask import Flask

KEBAB_SEGMENT = re.compile(r"^(<[^>]+>|[a-z0-9]+(-[a-z0-9]+)*)$")


def test_every_route_declares_its_audience(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not getattr(app.view_functions[rule.endpoint], "audience", None)
    ]
    assert undeclared == []


def test_urls_are_kebab_case(app: Flask) -> None:
    bad = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not all(KEBAB_SEGMENT.match(part) for part in rule.rule.strip("/").split("/") if part)
    ]
    assert bad == []


def test_no_route_carries_personal_data_in_its_path(app: Flask) -> None:
    suspicious = re.compile(r"<[^>]*(name|dob|birth|ssn)[^>]*>", re.IGNORECASE)
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert [rule for rule in rules if suspicious.search(rule)] == []
