"""Rules about the code's shape that every later feature inherits."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import click
from flask import Flask

import portal
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


PORTAL = Path(portal.__file__).parent
MAX_MODULE_LINES = 500


def test_no_module_is_over_500_lines() -> None:
    """Issue 21.5: a module over 500 lines is split along its seams (page groups, forms,
    commands), so every one can be read in one sitting."""
    long = {
        str(path.relative_to(PORTAL.parent)): lines
        for path in sorted(PORTAL.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_each_feature_registers_its_own_command_groups(app: Flask) -> None:
    """Issue 21.5: no catch-all portal/cli.py; a `flask` command group is defined in one module
    of the package it belongs to, and registered from there."""
    cli = PORTAL / "cli.py"
    assert not cli.exists() or not re.search(
        r"click\.group|AppGroup|\.cli\.", cli.read_text(encoding="utf-8")
    )
    groups = {name: cmd for name, cmd in app.cli.commands.items() if isinstance(cmd, click.Group)}
    assert {"db", "hmis", "users", "keys", "demo", "access", "audit"} <= set(groups)
    modules = {
        name: {
            command.callback.__module__ for command in group.commands.values() if command.callback
        }
        for name, group in groups.items()
    }
    assert {name: found for name, found in modules.items() if len(found) != 1} == {}
    assert {name for name, found in modules.items() if "portal.cli" in found} == set()


# Until the exchange/audit_browser split lands (helper i21), the views of portal.hmis and
# portal.audit keep their blueprints' names.
BLUEPRINT_NAME_EXEMPT = ("portal.hmis.", "portal.audit.")


def test_every_blueprint_is_named_after_its_package(app: Flask) -> None:
    """Issue 21.6: a page's endpoint starts with the name of the feature package that serves it
    (`requests.queue_list` is in portal/requests), one blueprint per package."""
    misnamed = {}
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        module = inspect.unwrap(view).__module__
        if module.startswith(BLUEPRINT_NAME_EXEMPT):
            continue
        package = module.removeprefix("portal.").split(".")[0]
        if endpoint.split(".")[0] != package:
            misnamed[endpoint] = module
    assert misnamed == {}
    packages = {
        bp.import_name.removeprefix("portal.").split(".")[0]
        for bp in app.blueprints.values()
        if not bp.import_name.startswith(BLUEPRINT_NAME_EXEMPT)
    }
    named = [bp.name for bp in app.blueprints.values() if bp.name in packages]
    assert sorted(named) == sorted(packages)
