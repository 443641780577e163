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


# Issue 21.8: dependencies run one way. The ground floor (the HMIS record and its importer, the
# audit chain, sessions, crypto, config, db, i18n, security) imports no feature; features import
# the ground and each other; the assembly (the app factory, the metadata of every model, the
# schema and key commands over all tables) imports anything.
GROUND_PACKAGES = ("portal.hmis", "portal.audit")
GROUND_MODULES = (
    "portal.audience",
    "portal.config",
    "portal.crypto",
    "portal.db",
    "portal.dbcheck",
    "portal.device",
    "portal.errors",
    "portal.htmx",
    "portal.i18n",
    "portal.i18n_check",
    "portal.keys",
    "portal.migrate",
    "portal.pdf",
    "portal.qr",
    "portal.ratelimit",
    "portal.security",
    "portal.sessions",
    "portal.static_files",
    "portal.timeutil",
)
FEATURES = (
    "portal.access",
    "portal.accounts",
    "portal.audit_browser",
    "portal.client",
    "portal.consents",
    "portal.demo",
    "portal.disclosures",
    "portal.exchange",
    "portal.notice",
    "portal.public",
    "portal.reports",
    "portal.requests",
    "portal.retention",
    "portal.sharing",
)
ASSEMBLY = ("portal", "portal.models", "portal.db_commands", "portal.keys_commands")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PORTAL.rglob("*.py"))}


def _layer(module: str) -> str | None:
    def within(names: tuple[str, ...]) -> bool:
        return any(module == name or module.startswith(name + ".") for name in names)

    if module in ASSEMBLY:
        return "assembly"
    if module in GROUND_MODULES or within(GROUND_PACKAGES):
        return "ground"
    if within(FEATURES):
        return "feature"
    return None


def _runtime_imports(tree: ast.Module, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) of every import of a portal module, outside `if TYPE_CHECKING:` blocks;
    `from portal.x import y` names y when y is a module itself."""
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [
                (node.lineno, f"{node.module}.{alias.name}")
                for alias in node.names
                if f"{node.module}.{alias.name}" in known
            ]
    return [(line, name) for line, name in found if name == "portal" or name in known]


def test_every_module_has_its_floor() -> None:
    """A new package or top-level module is named in GROUND_*, FEATURES or ASSEMBLY."""
    assert [module for module in _modules() if _layer(module) is None] == []


def test_the_ground_imports_no_feature() -> None:
    """Issue 21.8: the record, the importer, the audit chain and the plumbing stand on their
    own; a feature above them (the exchange, the audit browser, ...) imports them, never the
    other way round. Imports under `if TYPE_CHECKING:` (annotations only) are allowed."""
    modules = _modules()
    known = set(modules)
    upward = [
        f"{module}:{line} imports {name}"
        for module, path in modules.items()
        if _layer(module) == "ground"
        for line, name in _runtime_imports(ast.parse(path.read_text(encoding="utf-8")), known)
        if _layer(name) in ("feature", "assembly") and name != "portal"
    ]
    assert upward == []


def test_the_ground_and_its_check_agree() -> None:
    """The check above can fail: a ground module importing a feature is found."""
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from portal.requests.models import Request\n"
        "if TYPE_CHECKING:\n    from portal.sharing.rule import Viewer\n"
    )
    found = _runtime_imports(tree, set(_modules()))
    assert [name for _, name in found] == ["portal.requests.models"]


# Commands defined in a blueprint's CLI group in a views module, to move into the package's
# commands.py (disclosures' views are being reworked on another branch).
COMMANDS_IN_VIEWS_TO_MOVE = {"portal.disclosures.views"}


def test_commands_come_only_from_commands_modules(app: Flask) -> None:
    """Issue 21.5: every `flask` command of the portal is defined in a `commands` module (a
    feature's commands.py, or the assembly's db_commands and keys_commands)."""

    def callbacks(command: click.Command) -> list[str]:
        if isinstance(command, click.Group):
            return [name for sub in command.commands.values() for name in callbacks(sub)]
        return [command.callback.__module__] if command.callback else []

    modules = {name for command in app.cli.commands.values() for name in callbacks(command)}
    portal_modules = {name for name in modules if name.startswith("portal")}
    assert "portal.exchange.commands" in portal_modules
    assert {
        name
        for name in portal_modules
        if name.rsplit(".", 1)[-1] != "commands"
        and name not in ASSEMBLY
        and name not in COMMANDS_IN_VIEWS_TO_MOVE
    } == set()


# Blueprints not named after their package: none (an empty tuple keeps the check's shape).
BLUEPRINT_NAME_EXEMPT: tuple[str, ...] = ()


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


# View modules exempt from the write check: none.
VIEW_WRITES_EXEMPT: tuple[str, ...] = ()
DB_WRITES = {"add", "add_all", "delete", "flush", "merge", "bulk_save_objects"}
FLASK_SESSION_WRITES = {"pop", "clear", "update", "setdefault", "popitem"}
# Views that still write the Flask session themselves (issue 21.4/21.9, not yet moved into
# services). The list only shrinks: a module that no longer writes must leave it.
VIEWS_STILL_WRITING_THE_SESSION = {
    "portal.access.views",
    "portal.accounts.sign_in_views",
}


def _is_db_session(node: ast.expr, flask_session: bool) -> bool:
    """`db.session()`, a local db_session, or a local session where Flask's is not imported."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr == "session"
    names = {"db_session"} if flask_session else {"session", "db_session"}
    return isinstance(node, ast.Name) and node.id in names


def _writes(source: str) -> set[str]:
    """How a module writes to the database or the Flask session directly, by AST."""
    tree = ast.parse(source)
    flask_session = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "flask"
        and any(alias.name == "session" for alias in node.names)
        for node in tree.body
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver, verb = node.func.value, node.func.attr
            if verb in DB_WRITES and _is_db_session(receiver, flask_session):
                found.add(f"database.{verb}")
            elif (
                flask_session
                and verb in FLASK_SESSION_WRITES
                and isinstance(receiver, ast.Name)
                and receiver.id == "session"
            ):
                found.add(f"session.{verb}")
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (
                flask_session
                and isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "session"
            ):
                found.add("session[...]")
    return found


def test_views_do_not_write_to_the_database_or_the_session_directly(app: Flask) -> None:
    """Issue 21.4 and 21.9: a view parses input, calls a service, renders; the service adds,
    deletes and flushes rows and keeps what the browser's session holds. (The request's commit
    stays with the view, as db.py says: whoever owns the unit of work commits it.)"""
    modules = {
        module
        for view in app.view_functions.values()
        if (module := inspect.getmodule(inspect.unwrap(view))) is not None
        and module.__name__.startswith("portal.")
        and not module.__name__.startswith(VIEW_WRITES_EXEMPT)
    }
    writes = {module.__name__: _writes(inspect.getsource(module)) for module in modules}
    database = {
        name: found for name, found in writes.items() if any("database" in w for w in found)
    }
    assert database == {}
    session = {name for name, found in writes.items() if any("session" in w for w in found)}
    assert session == VIEWS_STILL_WRITING_THE_SESSION


def test_the_write_check_sees_database_and_session_writes() -> None:
    source = (
        "from flask import session\nfrom portal import db\n"
        "def view():\n    db.session().add(1)\n    session['k'] = 1\n    session.pop('k')\n"
    )
    assert _writes(source) == {"database.add", "session[...]", "session.pop"}
    assert _writes("def view(session):\n    session.flush()\n") == {"database.flush"}
    assert _writes("from flask import session\ndef view():\n    session.get('k')\n") == set()
