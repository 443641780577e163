from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, ValidationError
from wtforms.validators import InputRequired

from portal.access.services import CODE_LENGTH, normalize_code
from portal.i18n import LANGUAGES
from portal.timeutil import utcnow


class DateOfBirthForm(FlaskForm):
    # USWDS memorable date: three plain number boxes, no date picker.
    dob_month = StringField(_l("Month"))
    dob_day = StringField(_l("Day"))
    dob_year = StringField(_l("Year"))

    def validate_dob_month(self, field: StringField) -> None:
        # The three boxes are one answer; its error sits at the first box.
        if self.date_of_birth() is None:
            raise ValidationError(
                _l("Enter your date of birth as month, day and year, for example 7 24 1990.")
            )

    def valid_date_of_birth(self) -> dt.date:
        """The date of birth of a validated form (validate_dob_month refuses a missing one)."""
        born = self.date_of_birth()
        if born is None:
            raise ValueError("no date of birth: validate the form first")
        return born

    def date_of_birth(self) -> dt.date | None:
        parts = (self.dob_year.data, self.dob_month.data, self.dob_day.data)
        try:
            year, month, day = (int((part or "").strip()) for part in parts)
            born = dt.date(year, month, day)
        except (ValueError, OverflowError):  # 2**31 and up overflow the C date
            return None
        return born if year >= 1900 and born <= utcnow().date() else None


class SignInForm(DateOfBirthForm):
    code = StringField(_l("Access code"), validators=[InputRequired(_l("Enter your access code."))])

    def validate_code(self, field: StringField) -> None:
        if len(normalize_code(field.data or "")) != CODE_LENGTH:
            raise ValidationError(
                _l("An access code has 16 letters and numbers. Check the code on your paper.")
            )


class FindClientForm(FlaskForm):
    personal_id = StringField(
        _l("HMIS Personal ID"),
        validators=[InputRequired(_l("Enter the client's HMIS Personal ID."))],
    )


class IssueCodeForm(FlaskForm):
    personal_id = HiddenField()
    # "1": the client has a working code and the staff member chose to replace it.
    replace = HiddenField()
    language = RadioField(
        _l("Language for the paper"),
        # Each language named in itself, and marked so screen readers pronounce it right.
        choices=[
            SelectChoice(language.code, language.endonym, render_kw={"lang": language.code})
            for language in LANGUAGES
        ],
        default="en",
        validators=[InputRequired(_l("Choose the language for the paper."))],
    )


class KioskForm(FlaskForm):
    name = StringField(
        _l("Name of this kiosk"),
        validators=[InputRequired(_l("Enter a name, for example: Main shelter lobby."))],
    )
