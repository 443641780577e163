"""The forms and labels of the HMIS lead's versions pages (portal.notice.admin_views): a draft's
date and texts per language, the check before publishing, the kinds of versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from portal.accounts.policy import POLICY
from portal.disclosures.items import OTHER_CONSENT, RESEARCH_CONSENT
from portal.notice import drafting
from portal.notice.services import PRIVACY_NOTICE
from portal.sharing.services import REFUSAL_FORM, RESTORE_FORM

KIND_LABELS = {
    PRIVACY_NOTICE: _l("Privacy notice"),
    REFUSAL_FORM: _l("Client Data Sharing Refusal Form"),
    RESTORE_FORM: _l("Client Data Sharing Restore Form"),
    POLICY: _l("End User Policy and Code of Ethics"),
    RESEARCH_CONSENT: _l("Consent to identified research"),
    OTHER_CONSENT: _l("Consent to another use or disclosure"),
}
# Translators: what happens once a version takes effect, on the page before publishing it.
TAKES_EFFECT = {
    PRIVACY_NOTICE: _l(
        "From that day, clients are asked to read and acknowledge it the next time they sign in."
    ),
    REFUSAL_FORM: _l("From that day, clients who stop sharing sign this version."),
    RESTORE_FORM: _l("From that day, clients who start sharing again sign this version."),
    POLICY: _l("From that day, every staff user must accept it before they go on."),
    RESEARCH_CONSENT: _l(
        "From that day, clients who consent to identified research sign this version."
    ),
    OTHER_CONSENT: _l("From that day, clients who consent to another use sign this version."),
}
PART_LABELS = {
    "summary_of_changes": _l("What changed"),
    "in_short": _l("In short"),
    "body": _l("Full text"),
}
PART_HINTS = {
    "summary_of_changes": _l(
        "Plain words, shown in the list of versions. Up to %(max)s characters."
    ),
    "in_short": _l(
        "A few points in plain words. Markdown: - starts a list item, **bold**. "
        "Up to %(max)s characters."
    ),
    "body": _l(
        "Markdown: ## starts a heading, - a list item, **bold**. No links or HTML. "
        "Up to %(max)s characters."
    ),
}


class DraftForm(FlaskForm):
    """The effective date as a USWDS memorable date, and three parts per language (added
    below). Only the CSRF token is checked here: drafting.draft_problems has the rules."""

    effective_month = StringField(_l("Month"))
    effective_day = StringField(_l("Day"))
    effective_year = StringField(_l("Year"))

    def effective_date(self) -> dt.date | None:
        parts = (self.effective_year.data, self.effective_month.data, self.effective_day.data)
        try:
            year, month, day = (int((part or "").strip()) for part in parts)
            return dt.date(year, month, day)
        except (ValueError, OverflowError):
            return None

    def draft(self) -> drafting.Draft:
        return drafting.Draft(
            self.effective_date(),
            tuple(
                drafting.DraftText(
                    code, *(self._typed(f"{code}_{part}") for part in drafting.PARTS)
                )
                for code in drafting.LANGUAGE_CODES
            ),
        )

    def _typed(self, name: str) -> str:
        # Browsers send line breaks as CRLF; the text is kept (and hashed when signed) with LF.
        return str(self[name].data or "").replace("\r\n", "\n")

    def fill(self, draft: drafting.Draft) -> None:
        if draft.effective_date is not None:
            self.effective_month.data = str(draft.effective_date.month)
            self.effective_day.data = str(draft.effective_date.day)
            self.effective_year.data = str(draft.effective_date.year)
        for code in drafting.LANGUAGE_CODES:
            for part in drafting.PARTS:
                self[f"{code}_{part}"].data = draft.text(code).part(part)

    def show_problems(self, problems: Mapping[str, object]) -> None:
        for key, message in problems.items():
            name = "effective_month" if key == drafting.DATE_FIELD else key
            self[name].errors = [str(message)]

    def field_order(self) -> list[str]:
        return ["effective_month"] + [
            f"{code}_{part}" for code in drafting.LANGUAGE_CODES for part in drafting.PARTS
        ]


def _add_text_fields(form_class: type[DraftForm]) -> None:
    """What changed, in short, full text: one text area each, per language (en_body, ...)."""
    for code in drafting.LANGUAGE_CODES:
        for part, label in PART_LABELS.items():
            setattr(form_class, f"{code}_{part}", TextAreaField(label))


_add_text_fields(DraftForm)


class PublishForm(FlaskForm):
    # The label names the missing languages: the view sets it (fallback_label).
    fallback_confirmed = BooleanField()
    # The label names the languages left as they were while English changed.
    english_for_now = BooleanField()
    # What changed, in a few plain words per language: shown to clients before they are asked
    # to acknowledge the new version. Required in every language published, in that language.
    what_changed_en = TextAreaField(
        _l("What changed, in a few words: English"), validators=[Length(max=500)]
    )
    what_changed_es = TextAreaField(
        _l("What changed, in a few words: Spanish"), validators=[Length(max=500)]
    )
    what_changed_pl = TextAreaField(
        _l("What changed, in a few words: Polish"), validators=[Length(max=500)]
    )

    def what_changed(self) -> dict[str, str]:
        return {
            code: (self[f"what_changed_{code}"].data or "").strip()
            for code in ("en", "es", "pl")
            if (self[f"what_changed_{code}"].data or "").strip()
        }


def fallback_label(missing: list[str]) -> str:
    names = format_list([str(drafting.language_name(code)) for code in missing], locale=locale())
    return _(
        "I confirm: readers of %(languages)s get the English text, with a note in their own"
        " language that it is in English.",
        languages=names,
    )


def locale() -> str:
    return str(get_locale() or "en")


class ConfirmForm(FlaskForm):
    pass
