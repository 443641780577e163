"""Every string translated, proven: no untranslated or fuzzy entry in Spanish or Polish, the
placeholders kept, and a catalog that holds exactly the strings the code and templates use
(the same check as `make check-strings`, imported from portal.i18n_check)."""

from __future__ import annotations

import sys

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES
from portal.i18n_check import TRANSLATIONS, stale_strings

TRANSLATED = [language.code for language in LANGUAGES[1:]]  # English is the source


def _catalog(code: str) -> Catalog:
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def _template() -> Catalog:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return read_po(handle)


def _report(capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, line: str) -> None:
    print(line)  # seen with `pytest -s`
    if request.config.getoption("capture") != "no":
        with capsys.disabled():  # seen in `make test` too, where xdist keeps a worker's prints
            sys.stderr.write(f"\n{line}\n")


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_entry_is_translated(
    code: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    entries = [message for message in _catalog(code) if message.id]
    # In messages.pot but not yet merged into this language (`make update-strings` merges).
    missing = sorted(map(str, {m.id for m in _template() if m.id} - {m.id for m in entries}))
    fuzzy = [message.id for message in entries if message.fuzzy]
    untranslated = [
        message.id
        for message in entries
        if not message.fuzzy
        and not all(message.string if isinstance(message.string, tuple) else (message.string,))
    ]
    _report(
        capsys,
        request,
        f"{code}: {len(entries)} entries, {len(untranslated)} untranslated, {len(fuzzy)} fuzzy,"
        f" {len(missing)} missing",
    )
    assert missing == [], f"{code}: not merged from messages.pot; run `make update-strings`"
    assert untranslated == [], f"{code}: untranslated entries"
    assert fuzzy == [], f"{code}: fuzzy entries (check them, then remove the fuzzy flag)"


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_their_placeholders(code: str) -> None:
    """A lost %(date)s hides a fact; a new or misspelt one breaks the page."""
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in _catalog(code).check()
    ]
    assert problems == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_entries_have_every_form_of_the_language(code: str) -> None:
    catalog = _catalog(code)
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(message.string) == catalog.num_plurals, message.id


def test_the_catalog_is_current() -> None:
    missing, unused = stale_strings()  # runs pybabel extract, as `make check-strings` does
    assert not missing, (
        "strings not in messages.pot; run `make update-strings` and translate them: "
        f"{sorted(map(str, missing))}"
    )
    assert not unused, (
        f"strings no longer used; run `make update-strings`: {sorted(map(str, unused))}"
    )
