"""`python -m portal.i18n_check`: fail when the string catalog is stale or a language is incomplete.

Stale: the code or templates hold a string that translations/messages.pot does not (or the
other way round). Incomplete: an es or pl entry is untranslated or fuzzy.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal import PROJECT_ROOT
from portal.i18n import LANGUAGES

TRANSLATIONS = PROJECT_ROOT / "translations"


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def stale_strings() -> tuple[set[object], set[object]]:
    """(strings missing from messages.pot, strings in messages.pot no longer used)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        subprocess.run(  # noqa: S603 - fixed arguments, our own virtualenv's pybabel
            [
                str(Path(sys.executable).with_name("pybabel")),
                "extract",
                "-F",
                str(PROJECT_ROOT / "babel.cfg"),
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-o",
                str(fresh),
                ".",
            ],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
        )
        current, committed = _ids(_read(fresh)), _ids(_read(TRANSLATIONS / "messages.pot"))
    return current - committed, committed - current


def incomplete(code: str) -> list[str]:
    """Entries of one language that are missing, untranslated or fuzzy."""
    template = _ids(_read(TRANSLATIONS / "messages.pot"))
    catalog = _read(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po")
    problems = [f"missing: {message_id!r}" for message_id in template - _ids(catalog)]
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    return problems


def compile_stale_catalogs() -> list[str]:
    """Compile each language's messages.mo that is missing or older than its messages.po
    (what `make compile-strings` does), so a fresh clone's `pytest` finds every language."""
    compiled = []
    for language in LANGUAGES[1:]:
        folder = TRANSLATIONS / language.code / "LC_MESSAGES"
        source, target = folder / "messages.po", folder / "messages.mo"
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        catalog = _read(source)
        with target.open("wb") as handle:
            write_mo(handle, catalog)
        compiled.append(language.code)
    return compiled


def main() -> int:
    failed = False
    missing, unused = stale_strings()
    if missing or unused:
        failed = True
        print("The catalog is stale; run `make update-strings` and translate:", file=sys.stderr)
        for message_id in sorted(map(str, missing)):
            print(f"  new:    {message_id!r}", file=sys.stderr)
        for message_id in sorted(map(str, unused)):
            print(f"  unused: {message_id!r}", file=sys.stderr)
    for language in LANGUAGES[1:]:
        problems = incomplete(language.code)
        if problems:
            failed = True
            print(f"{language.code}: {len(problems)} entries need work:", file=sys.stderr)
            for problem in problems[:50]:
                print(f"  {problem}", file=sys.stderr)
        else:
            print(f"{language.code}: 100% translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
