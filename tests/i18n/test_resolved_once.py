"""Translations found once per request and dates formatted by Babel directly (issue 22): the
same words and dates as Flask-Babel's own functions, in every language."""

from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale, gettext

from portal.i18n import format_date, format_datetime

MOMENTS = (dt.datetime(2026, 1, 1, 3, 30), dt.datetime(2026, 7, 4, 23, 59, 59, 123456))


@pytest.mark.parametrize("language", ["en", "es", "pl"])
def test_dates_read_as_flask_babel_wrote_them(app: Flask, language: str) -> None:
    with app.test_request_context(f"/?lang={language}"):
        for moment in MOMENTS:
            for style in ("short", "medium", "long"):
                assert format_date(moment.date(), style) == flask_babel.format_date(
                    moment.date(), style
                )
                assert format_datetime(moment, style) == flask_babel.format_datetime(moment, style)
                # A moment's day is the day where the portal is (New Year's Eve in Chicago).
                assert format_date(moment, style) == flask_babel.format_date(moment, style)
        template = "{{ day|dateformat('long') }} {{ moment|datetimeformat('medium') }}"
        shown = render_template_string(template, day=MOMENTS[1].date(), moment=MOMENTS[0])
        assert shown == (
            f"{flask_babel.format_date(MOMENTS[1].date(), 'long')} "
            f"{flask_babel.format_datetime(MOMENTS[0], 'medium')}"
        )


def test_a_request_that_switches_language_gets_the_other_words(app: Flask) -> None:
    """The catalogue kept for the request follows force_locale (the notice admin uses it)."""
    with app.test_request_context("/?lang=es"):
        spanish = gettext("Privacy notice")
        assert render_template_string("{{ _('Privacy notice') }}") == spanish
        with force_locale("pl"):
            polish = gettext("Privacy notice")
            assert render_template_string("{{ _('Privacy notice') }}") == polish
        assert gettext("Privacy notice") == spanish
    assert len({spanish, polish, "Privacy notice"}) == 3
