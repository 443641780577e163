"""Languages: English, Spanish, Polish; the choice travels in ?lang= and then the session.

Tests may add pseudo-locales (app.config["PSEUDO_LOCALES"], with their catalogs in a directory
of BABEL_TRANSLATION_DIRECTORIES): accented, longer text that proves every string went through
the catalog, and a right-to-left one that proves the layout mirrors. They are never offered in
the language chooser, and the portal refuses them outside tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list as babel_format_list
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from portal import PROJECT_ROOT


@dataclass(frozen=True)
class Language:
    code: str  # Babel's locale identifier, as in ?lang= and translations/<code>/
    # The language's own name for itself: a reader who cannot read English still finds it.
    endonym: str

    @property
    def tag(self) -> str:
        """The BCP 47 tag for lang="" (en_001 becomes en-001)."""
        return self.code.replace("_", "-")

    @property
    def direction(self) -> str:
        """The writing direction for dir="", from CLDR: Arabic needs no flag of its own."""
        return _text_direction(self.code)


@cache
def _text_direction(code: str) -> str:
    return str(Locale.parse(code).text_direction)  # "ltr" or "rtl"


LANGUAGES = (
    Language("en", "English"),
    Language("es", "Español"),
    Language("pl", "Polski"),
)


class _ResolvedOnce(Domain):
    """Flask-Babel finds the catalogue anew for every string (context, locale, directories,
    cache key: 7.6 µs a call, 246 calls on the queue page). The catalogue of each language is
    loaded once per process (Flask-Babel's cache); this keeps the one in use for the request,
    found again only when the locale changes (force_locale)."""

    def get_translations(self) -> Translations | NullTranslations:
        if not g:
            return super().get_translations()
        locale = get_locale()
        kept: tuple[object, Translations | NullTranslations] | None = g.get("_portal_translations")
        if kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        g._portal_translations = (locale, translations)
        return translations


babel = Babel()
babel.domain_instance = _ResolvedOnce()  # replaces the cached_property


_BY_CODE = {language.code: language for language in LANGUAGES}


KNOWN_KEY = "portal.languages"  # app.extensions: the app's languages by code (init_app)


def known_languages(app: Flask) -> dict[str, Language]:
    """The offered languages, plus the test configuration's pseudo-locales."""
    pseudo = app.config.get("PSEUDO_LOCALES", ())
    if not pseudo:
        return _BY_CODE
    return {**_BY_CODE, **{code: Language(code, code) for code in pseudo}}


def _known() -> dict[str, Language]:
    found: dict[str, Language] = current_app.extensions[KNOWN_KEY]
    return found


@lru_cache(maxsize=1024)
def preferred_language(accept_language: str, codes: tuple[str, ...]) -> str:
    """The browser's preferred language among codes (Accept-Language, as Werkzeug matches it),
    else English. Kept per header value: browsers send a handful of them."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(codes) or "en"


def select_locale() -> str:
    """?lang= (remembered in the session), then the session, then the browser's preference."""
    if not has_request_context():
        return "en"  # operator commands speak English
    known = _known()
    if request.query_string:
        wanted = request.args.get("lang")
        if wanted in known:
            session["lang"] = wanted
            return wanted
    if session.get("lang") in known:
        return str(session["lang"])
    return preferred_language(request.headers.get("Accept-Language", ""), tuple(known))


@cache
def locale_of(code: str) -> Locale:
    """Babel's Locale for a code, parsed once per process (Locale.parse costs about 10 µs, and
    Flask-Babel parses the selected code again on every request)."""
    return Locale.parse(code)


def _selected_locale() -> Locale:
    return locale_of(select_locale())


def current_language() -> Language:
    return _known().get(str(get_locale() or "en"), LANGUAGES[0])


def endonym(code: str | None) -> str:
    """A stored language code as its readers name it ("es" -> "Español"), for pages."""
    known = _BY_CODE.get(code or "")
    return known.endonym if known else code or ""


def format_list(items: Iterable[object]) -> str:
    """Items joined as a sentence of the reader's language: "A, B, and C", "A, B y C", "A, B i C".

    Plain text: Jinja escapes it like any other value.
    """
    words = [str(item) for item in items]
    return babel_format_list(words, locale=get_locale() or "en") if words else ""


def format_date(value: dt.date | None, format: str = "medium") -> str:
    """A date in the reader's language, by Babel itself (Flask-Babel's wrapper looks up its
    format table and the timezone first, on every call; a date has no timezone)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # a moment (naive UTC): its day where the portal is
        value = value.replace(tzinfo=dt.UTC).astimezone(_timezone(_portal_timezone()))
    return babel_dates.format_date(value, format, locale=get_locale() or "en")


def _portal_timezone() -> str:
    return str(current_app.config["PORTAL"].timezone) if has_app_context() else "UTC"


def local_date(moment: dt.datetime | None = None) -> dt.date:
    """The day a moment (naive UTC; now when None) falls on where the portal is (the county's
    time zone): what "due in 3 days" and "overdue" count in, as the pages show due dates."""
    moment = moment if moment is not None else dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(_portal_timezone())).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a day where the portal is, as naive UTC (how the database keeps time)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(_portal_timezone()))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def format_datetime(value: dt.datetime | None, format: str = "medium") -> str:
    """A moment (stored as naive UTC) in the reader's language and the portal's timezone."""
    if value is None:
        return ""
    return babel_dates.format_datetime(
        value,
        format,
        tzinfo=_timezone(_portal_timezone()),
        locale=get_locale() or "en",
    )


@cache
def _timezone(name: str) -> dt.tzinfo:
    return babel_dates.get_timezone(name)


def _check_pseudo_locales(app: Flask) -> None:
    """Pseudo-locales are test tools: a production portal must never speak them."""
    pseudo = app.config.get("PSEUDO_LOCALES", ())
    if pseudo and not app.testing:
        raise RuntimeError("PSEUDO_LOCALES is for tests only (TESTING must be set)")
    for code in pseudo:
        Locale.parse(code)  # Flask-Babel parses the selected code too: fail early, not per page


def init_app(app: Flask) -> None:
    _check_pseudo_locales(app)
    app.extensions[KNOWN_KEY] = known_languages(app)
    # A test configuration lists its pseudo-locale directory first in BABEL_TRANSLATION_DIRECTORIES
    # (';'-separated): Flask-Babel takes the plural rule from the last directory it reads, which
    # must be ours so Polish keeps its three forms.
    babel.init_app(
        app,
        # Flask-Babel hands what the selector returns to Locale.parse, which returns a Locale as
        # it is (its annotation names only codes).
        locale_selector=cast(Callable[[], str | None], _selected_locale),
        default_translation_directories=str(PROJECT_ROOT / "translations"),
        default_timezone=app.config["PORTAL"].timezone,
    )
    # Templates ask for the request's catalogue straight from the domain (Flask-Babel's own
    # callables go through get_translations() and get_domain() on every string first).
    domain = babel.domain_instance
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["format_list"] = format_list
    app.jinja_env.filters["dateformat"] = format_date
    app.jinja_env.filters["datetimeformat"] = format_datetime
    app.jinja_env.filters["endonym"] = endonym

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {
            "languages": LANGUAGES,
            "current_language": current_language(),
        }
