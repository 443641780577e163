"""Lists and writing direction come from CLDR through Babel, in the reader's language; the
pseudo-locales are for tests only."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from portal import create_app
from portal.client.record import _joined
from portal.config import Settings
from portal.i18n import Language, format_list, select_locale
from tests.i18n.pseudo import PSEUDO_LTR

LISTS = {
    "en": "Woman, Man, and Transgender",
    "es": "Woman, Man y Transgender",
    "pl": "Woman, Man i Transgender",
}


@pytest.mark.parametrize(("code", "expected"), LISTS.items())
def test_lists_are_joined_the_way_the_language_joins_them(
    app: Flask, code: str, expected: str
) -> None:
    with app.test_request_context(), force_locale(code):
        assert format_list(["Woman", "Man", "Transgender"]) == expected
        assert format_list(["Woman"]) == "Woman"
        assert format_list([]) == ""


def test_templates_join_lists_with_the_filter_and_escape_the_items(app: Flask) -> None:
    with app.test_request_context(), force_locale("es"):
        html = render_template_string("{{ names|format_list }}", names=["Ana", "<b>Bo</b>"])
    assert html == "Ana y &lt;b&gt;Bo&lt;/b&gt;"


def test_a_record_item_of_several_values_is_a_list_for_the_client_plain_for_staff(
    app: Flask,
) -> None:
    with app.test_request_context(), force_locale("pl"):
        shown, plain = _joined([("Kobieta", "Woman"), ("", ""), ("Weteran", "Veteran")])
    assert (shown, plain) == ("Kobieta i Weteran", "Woman, Veteran")


@pytest.mark.parametrize(
    ("code", "direction", "tag"),
    [("en", "ltr", "en"), ("pl", "ltr", "pl"), ("ar", "rtl", "ar"), ("he", "rtl", "he"),
     ("ar_001", "rtl", "ar-001")],
)  # fmt: skip
def test_direction_and_the_html_language_tag_come_from_cldr(
    code: str, direction: str, tag: str
) -> None:
    language = Language(code, code)
    assert (language.direction, language.tag) == (direction, tag)


def test_the_portal_does_not_speak_a_pseudo_locale_unless_a_test_asks(app: Flask) -> None:
    assert not app.config.get("PSEUDO_LOCALES")
    with app.test_request_context(f"/?lang={PSEUDO_LTR}", headers={"Accept-Language": "en-001"}):
        assert select_locale() == "en"


def test_pseudo_locales_are_refused_outside_tests(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="for tests only"):
        create_app({"SETTINGS": settings, "PSEUDO_LOCALES": (PSEUDO_LTR,)})
