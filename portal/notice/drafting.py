"""The HMIS lead drafts, previews and publishes versions of the notice, the sharing forms and
the staff policy (issue 7).

A draft is a NoticeVersion without published_at: services.current_version and
services.published_versions read published versions only, so nobody but the lead sees a draft.
Publishing stamps published_at; from then on every function here refuses the version, and a
correction is a new version. Operations flush and audit; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel import Locale
from flask_babel import LazyString, format_date, format_number, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.policy import POLICY
from portal.audit.services import record
from portal.disclosures.items import OTHER_CONSENT, RESEARCH_CONSENT
from portal.i18n import LANGUAGES
from portal.notice import published
from portal.notice.models import NoticeText, NoticeVersion
from portal.notice.services import FALLBACK_LANGUAGE, PRIVACY_NOTICE, current_version
from portal.sharing.services import REFUSAL_FORM, RESTORE_FORM
from portal.timeutil import utcnow

KINDS = (PRIVACY_NOTICE, REFUSAL_FORM, RESTORE_FORM, POLICY, RESEARCH_CONSENT, OTHER_CONSENT)
LANGUAGE_CODES = tuple(language.code for language in LANGUAGES)
PARTS = ("summary_of_changes", "in_short", "body")
# Room for a long notice in full, small enough for one page and its preview.
LIMITS = {"summary_of_changes": 1_000, "in_short": 5_000, "body": 100_000}
DATE_FIELD = "effective_date"


# What a message here is: a lazy_gettext string (typed str in stubs/) or a LazyString made here.
Message = str | LazyString


def language_name(code: str) -> LazyString:
    """The language's name in the reader's language (Spanish, español, hiszpański)."""

    def name() -> str:
        return str(Locale.parse(code).get_display_name(str(get_locale() or "en")))

    return LazyString(name)


def _message(template: Message, **values: object) -> LazyString:
    """A translated message with values, translated and filled in when it is shown."""
    return LazyString(lambda: str(template) % values)


# One message per part and problem, so translators can phrase each one naturally.
_REQUIRED = {
    "summary_of_changes": _l("Enter what changed in this version, in English."),
    "in_short": _l("Enter the plain summary in English."),
    "body": _l("Enter the full text in English."),
}
_PARTIAL = {
    "summary_of_changes": _l(
        "Enter what changed in %(language)s too, or leave %(language)s empty to use English."
    ),
    "in_short": _l(
        "Enter the plain summary in %(language)s too, or leave %(language)s empty to use English."
    ),
    "body": _l(
        "Enter the full text in %(language)s too, or leave %(language)s empty to use English."
    ),
}
_TOO_LONG = {
    "summary_of_changes": _l(
        "What changed in %(language)s can be at most %(max)s characters. Shorten it."
    ),
    "in_short": _l(
        "The plain summary in %(language)s can be at most %(max)s characters. Shorten it."
    ),
    "body": _l("The full text in %(language)s can be at most %(max)s characters. Shorten it."),
}


class DraftError(Exception):
    """Base of the reasons a draft operation is refused."""


class VersionPublished(DraftError):
    """Published versions never change: a correction is a new version."""


class UnknownKind(DraftError):
    pass


class DraftInvalid(DraftError):
    """What is wrong with the draft, keyed by DATE_FIELD or "<language>_<part>"."""

    def __init__(self, problems: dict[str, Message]) -> None:
        super().__init__(sorted(problems))
        self.problems = problems


class FallbackNotConfirmed(DraftError):
    """Languages are missing and the lead has not confirmed they fall back to English."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(missing)
        self.missing = missing


class WhatChangedInvalid(DraftError):
    """The few words on what changed are missing in some published languages, or copied from
    the English in others."""

    def __init__(self, missing: list[str], copied: list[str]) -> None:
        super().__init__(missing, copied)
        self.missing = missing
        self.copied = copied


def check_what_changed(languages: list[str], what_changed: dict[str, str]) -> None:
    """Raise WhatChangedInvalid unless every language published has its own words."""
    english = what_changed.get(FALLBACK_LANGUAGE, "").strip()
    missing = [code for code in languages if not what_changed.get(code, "").strip()]
    copied = [
        code
        for code in languages
        if code != FALLBACK_LANGUAGE
        and code not in missing
        and what_changed[code].strip() == english
    ]
    if missing or copied:
        raise WhatChangedInvalid(missing, copied)


class UntranslatedText(DraftError):
    """English changed but these languages' texts did not (or their "what changed" is the
    English one), and the lead has not chosen to publish with English for them for now."""

    def __init__(self, languages: list[str]) -> None:
        super().__init__(languages)
        self.languages = languages


@dataclass(frozen=True)
class DraftText:
    """A version's words in one language, as typed (all three parts empty: not written)."""

    language: str
    summary_of_changes: str = ""
    in_short: str = ""
    body: str = ""

    def part(self, name: str) -> str:
        return str(getattr(self, name))

    @property
    def is_empty(self) -> bool:
        return not any(self.part(name).strip() for name in PARTS)


@dataclass(frozen=True)
class Draft:
    effective_date: dt.date | None
    texts: tuple[DraftText, ...] = field(default_factory=tuple)

    def text(self, language: str) -> DraftText:
        found = next((text for text in self.texts if text.language == language), None)
        return found or DraftText(language)


def draft_of(version: NoticeVersion) -> Draft:
    """A saved version as a Draft, to fill the form or check it again before publishing."""
    texts = {text.language: text for text in version.texts}
    return Draft(
        version.effective_date,
        tuple(
            DraftText(code, t.summary_of_changes, t.in_short, t.body)
            for code in LANGUAGE_CODES
            if (t := texts.get(code)) is not None
        ),
    )


def starting_draft(session: Session, kind: str) -> tuple[Draft, int | None]:
    """A new version starts from the newest published text (what changed and the date are new
    to write); returns the draft and the number it starts from, if any."""
    newest = newest_published(session, kind)
    if newest is None:
        return Draft(None), None
    texts = tuple(
        DraftText(text.language, "", text.in_short, text.body)
        for text in sorted(newest.texts, key=lambda text: text.language)
        if text.language in LANGUAGE_CODES
    )
    return Draft(None, texts), newest.number


def missing_languages(draft: Draft) -> list[str]:
    """Languages with no text: their readers get English, when the lead confirms it."""
    return [code for code in LANGUAGE_CODES if draft.text(code).is_empty]


def base_version(session: Session, kind: str) -> NoticeVersion | None:
    """The version a new one is compared with: the one in force, else the newest published."""
    return current_version(session, utcnow().date(), kind) or newest_published(session, kind)


def _words(text: DraftText | NoticeText) -> tuple[str, str]:
    return text.in_short.strip(), text.body.strip()


def untranslated_languages(session: Session, kind: str, draft: Draft) -> list[str]:
    """Languages other than English whose text was not brought up to date: the English text
    changed from the version in force but theirs did not, or their "what changed" is the
    English one word for word."""
    english = draft.text(FALLBACK_LANGUAGE)
    base = base_version(session, kind)
    old = {text.language: text for text in base.texts} if base is not None else {}
    old_english = old.get(FALLBACK_LANGUAGE)
    english_changed = old_english is not None and _words(old_english) != _words(english)
    found = []
    for code in LANGUAGE_CODES:
        text = draft.text(code)
        if code == FALLBACK_LANGUAGE or text.is_empty:
            continue
        prior = old.get(code)
        unchanged = english_changed and prior is not None and _words(prior) == _words(text)
        copied = text.summary_of_changes.strip() == english.summary_of_changes.strip()
        if unchanged or copied:
            found.append(code)
    return found


def newest_published(session: Session, kind: str) -> NoticeVersion | None:
    return session.scalars(
        select(NoticeVersion)
        .where(NoticeVersion.kind == kind, NoticeVersion.published_at.is_not(None))
        .order_by(NoticeVersion.number.desc())
        .limit(1)
    ).first()


def next_number(session: Session, kind: str) -> int:
    """The number the next version of this kind gets when it is published."""
    newest = newest_published(session, kind)
    return 1 if newest is None else newest.number + 1


def _date_problem(
    session: Session, kind: str, day: dt.date | None, today: dt.date
) -> Message | None:
    if day is None:
        return _l("Enter the date it takes effect as month, day and year, for example 7 1 2026.")
    if day < today:
        return _l("The date it takes effect cannot be in the past.")
    newest = newest_published(session, kind)
    # Dates follow numbers, so the current version is always the highest number in effect
    # (acknowledgements and policy acceptances count "this number or a newer one").
    if newest is not None and day < newest.effective_date:
        return _l(
            "Version %(number)d takes effect on %(date)s. Choose that date or a later one.",
            number=newest.number,
            date=LazyString(format_date, newest.effective_date, "long"),
        )
    return None


def _text_problems(draft: Draft) -> dict[str, Message]:
    problems: dict[str, Message] = {}
    for code in LANGUAGE_CODES:
        text = draft.text(code)
        for part in PARTS:
            key, value = f"{code}_{part}", text.part(part)
            if len(value) > LIMITS[part]:
                limit = LazyString(format_number, LIMITS[part])
                problems[key] = _message(_TOO_LONG[part], language=language_name(code), max=limit)
            elif value.strip():
                continue
            elif code == FALLBACK_LANGUAGE:
                problems[key] = _REQUIRED[part]
            elif not text.is_empty:
                problems[key] = _message(_PARTIAL[part], language=language_name(code))
    return problems


def draft_problems(
    session: Session, kind: str, draft: Draft, today: dt.date | None = None
) -> dict[str, Message]:
    """Everything that stops this draft from being saved or published, by field."""
    today = today or utcnow().date()
    problems = _text_problems(draft)
    if date_problem := _date_problem(session, kind, draft.effective_date, today):
        problems[DATE_FIELD] = date_problem
    return problems


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownKind(kind)


def _ensure_draft(version: NoticeVersion) -> None:
    if version.published_at is not None:
        raise VersionPublished(version.id)


def _fill(version: NoticeVersion, draft: Draft) -> None:
    assert draft.effective_date is not None  # checked by draft_problems
    version.effective_date = draft.effective_date
    existing = {text.language: text for text in version.texts}
    for code in LANGUAGE_CODES:
        typed = draft.text(code)
        text = existing.get(code)
        if typed.is_empty:
            if text is not None:
                version.texts.remove(text)
            continue
        if text is None:
            text = NoticeText(language=code, summary_of_changes="", in_short="", body="")
            version.texts.append(text)
        text.summary_of_changes = typed.summary_of_changes.strip()
        text.in_short = typed.in_short.strip()
        text.body = typed.body.strip()


def _placeholder_number(session: Session, kind: str) -> int:
    # A draft has no number yet: it holds a negative placeholder (unique per kind, as the
    # table demands) and gets the next number when published, so numbers follow publication.
    lowest = session.scalar(
        select(func.min(NoticeVersion.number)).where(NoticeVersion.kind == kind)
    )
    return min(lowest or 0, 0) - 1


def create_draft(
    session: Session, kind: str, draft: Draft, today: dt.date | None = None
) -> NoticeVersion:
    """A new draft of this kind; raises DraftInvalid with every problem at once."""
    _check_kind(kind)
    if problems := draft_problems(session, kind, draft, today):
        raise DraftInvalid(problems)
    version = NoticeVersion(kind=kind, number=_placeholder_number(session, kind), published_at=None)
    _fill(version, draft)
    session.add(version)
    session.flush()
    record(session, "notice.draft_saved", object_type="notice_version", object_id=version.id)
    return version


def update_draft(
    session: Session, version: NoticeVersion, draft: Draft, today: dt.date | None = None
) -> NoticeVersion:
    """Save the draft again (as often as needed); a published version is refused."""
    _ensure_draft(version)
    if problems := draft_problems(session, version.kind, draft, today):
        raise DraftInvalid(problems)
    _fill(version, draft)
    session.flush()
    record(session, "notice.draft_saved", object_type="notice_version", object_id=version.id)
    return version


def delete_draft(session: Session, version: NoticeVersion) -> None:
    """Delete a draft with its texts; a published version is refused."""
    _ensure_draft(version)
    version_id = version.id
    session.delete(version)
    session.flush()
    record(session, "notice.draft_deleted", object_type="notice_version", object_id=version_id)


def publish(
    session: Session,
    version: NoticeVersion,
    *,
    fallback_confirmed: bool,
    english_for_now: bool = False,
    today: dt.date | None = None,
    what_changed: dict[str, str] | None = None,
) -> NoticeVersion:
    """Publish the draft under the next number; it is in force from its effective date.

    A language left as it was while English changed is refused unless the lead publishes with
    English for it for now: its text is dropped, so its readers get English with a note.

    what_changed: a few words per language code, shown to clients before they acknowledge;
    required in every language published, and in that language (not a copy of the English)."""
    _ensure_draft(version)
    draft = draft_of(version)
    if problems := draft_problems(session, version.kind, draft, today):
        raise DraftInvalid(problems)
    missing = missing_languages(draft)
    if missing and not fallback_confirmed:
        raise FallbackNotConfirmed(missing)
    untranslated = untranslated_languages(session, version.kind, draft)
    if untranslated and not english_for_now:
        raise UntranslatedText(untranslated)
    kept = [code for code in LANGUAGE_CODES if code not in missing and code not in untranslated]
    check_what_changed(kept, what_changed or {})
    for text in [text for text in version.texts if text.language in untranslated]:
        version.texts.remove(text)
    version.number = next_number(session, version.kind)
    version.english_fallback_confirmed = bool(missing or untranslated)
    version.published_at = utcnow()
    for text in version.texts:
        text.what_changed = (what_changed or {}).get(text.language) or None
    session.flush()
    record(session, "notice.published", object_type="notice_version", object_id=version.id)
    published.mark_published(session)  # every process learns of it: see notice/published.py
    return version


def version_by_id(session: Session, version_id: int) -> NoticeVersion | None:
    """Any version, draft or published, with its texts (the caller refuses what it must)."""
    return session.scalars(
        select(NoticeVersion)
        .where(NoticeVersion.id == version_id)
        .options(selectinload(NoticeVersion.texts))
    ).first()


@dataclass(frozen=True)
class KindVersions:
    kind: str
    drafts: list[NoticeVersion]
    published: list[NoticeVersion]  # newest first
    current_id: int | None
    next_number: int


def versions_overview(session: Session, today: dt.date | None = None) -> list[KindVersions]:
    """Each kind with its drafts and its published versions, for the lead's list."""
    today = today or utcnow().date()
    versions = session.scalars(
        select(NoticeVersion)
        .options(selectinload(NoticeVersion.texts))
        .order_by(NoticeVersion.number.desc(), NoticeVersion.id.desc())
    ).all()
    overview = []
    for kind in KINDS:
        of_kind = [version for version in versions if version.kind == kind]
        published = [version for version in of_kind if version.published_at is not None]
        current = current_version(session, today, kind)
        overview.append(
            KindVersions(
                kind=kind,
                drafts=[version for version in of_kind if version.published_at is None],
                published=published,
                current_id=current.id if current else None,
                next_number=published[0].number + 1 if published else 1,
            )
        )
    return overview
