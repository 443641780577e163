"""Languages: English, Spanish, Polish; the choice travels in ?lang= and then the session."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale

from portal import PROJECT_ROOT


@dataclass(frozen=True)
class Language:
    code: str
    # The language's own name for itself: a reader who cannot read English still finds it.
    endonym: str
    direction: str = "ltr"


LANGUAGES = (
    Language("en", "English"),
    Language("es", "Español"),
    Language("pl", "Polski"),
)

babel = Babel()


_BY_CODE = {language.code: language for language in LANGUAGES}


def select_locale() -> str:
    """?lang= (remembered in the session), then the session, then the browser's preference."""
    if not has_request_context():
        return "en"  # operator commands speak English
    known = _BY_CODE
    wanted = request.args.get("lang")
    if wanted in known:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in known:
        return str(session["lang"])
    return request.accept_languages.best_match(list(known)) or "en"


def current_language() -> Language:
    return _BY_CODE.get(str(get_locale() or "en"), LANGUAGES[0])


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
        default_timezone=app.config["PORTAL"].timezone,
    )

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "current_language": current_language()}
