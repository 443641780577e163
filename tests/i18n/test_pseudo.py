"""The pseudo-locales the browser crawls use (tests/i18n/pseudo.py): every message, marked,
accented, about 35 % longer, with its placeholders, tags and plural forms intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from portal.i18n_check import TRANSLATIONS
from tests.i18n.pseudo import END, PSEUDO_LTR, PSEUDO_RTL, START, build, pseudo, pseudo_catalog


@pytest.fixture(scope="module")
def template() -> Catalog:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return read_po(handle)


def test_a_message_is_marked_accented_and_longer() -> None:
    assert pseudo("Sign in") == "⟦Šííğññ ííñ⟧"


@pytest.mark.parametrize(
    "kept",
    ["%(date)s", "%(num)d", "%s", "%%", "{name}", '<a href="/x">', "</a>", "&amp;", "&#8230;"],
)
def test_placeholders_tags_and_entities_are_kept(kept: str) -> None:
    assert kept in pseudo(f"Read {kept} here")


def test_the_catalog_grows_by_about_a_third(template: Catalog) -> None:
    """The crawl proves the layout survives longer words: Spanish and Polish run 20-35 % longer."""
    english = [m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id]
    grown = sum(len(pseudo(text)) - len(START + END) for text in english)
    assert 1.30 <= grown / sum(len(text) for text in english) <= 1.40


@pytest.mark.parametrize(("code", "forms"), [(PSEUDO_LTR, 2), (PSEUDO_RTL, 6)])
def test_every_message_is_there_with_its_placeholders_and_plural_forms(
    template: Catalog, code: str, forms: int
) -> None:
    catalog = pseudo_catalog(code, template)
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}
    assert [(m.id, errors) for m, errors in catalog.check()] == []  # Babel compares placeholders
    for message in (m for m in catalog if m.id):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.startswith(START) and s.endswith(END) for s in strings), message.id
        if message.pluralizable:
            assert len(strings) == forms, message.id


def test_build_compiles_both_locales(tmp_path: Path) -> None:
    build(tmp_path)
    for code in (PSEUDO_LTR, PSEUDO_RTL):
        with (tmp_path / code / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
            compiled = read_mo(handle)
        assert compiled.get("Sign in").string == "⟦Šííğññ ííñ⟧"
