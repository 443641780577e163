"""Rules about the code's shape that every later feature inherits."""

from __future__ import annotations

import ast
import inspect
import re

from flask import Flask

from portal.accounts.models import Role

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


CLIENT_DATA = {"Client", "Enrollment", "Exit", "IdentityVersion"}


def _queries_client_data(source: str) -> list[str]:
    """Calls like select(Client), session.get(Enrollment, ...), query(Exit) in source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in {"select", "get", "query", "scalars"}:
            used = {arg.id for arg in node.args if isinstance(arg, ast.Name)}
            found += sorted(used & CLIENT_DATA)
    return found


def test_staff_pages_read_client_data_only_through_the_sharing_rule(app: Flask) -> None:
    """DESIGN.md 3: one module holds the rule; a module serving staff pages never queries the
    client's record itself (it asks portal.sharing.rule or a service built on it)."""
    staff_roles = {role.value for role in Role}
    modules = {
        inspect.getmodule(inspect.unwrap(view))
        for view in app.view_functions.values()
        if staff_roles & set(getattr(view, "audience", ()))
    }
    offenders = {
        module.__name__: used
        for module in modules
        if module is not None and (used := _queries_client_data(inspect.getsource(module)))
    }
    assert offenders == {}
