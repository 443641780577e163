"""The reports' filters: a GET form, so a report can be bookmarked, shared and downloaded as is."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from portal.reports.numbers import MAX_DAYS, default_dates

EARLIEST = dt.date(2000, 1, 1)  # before the portal and HUD's current HMIS standards
LATEST = dt.date(2100, 12, 31)  # far enough; the day after must still convert to UTC


class DayField(DateField):
    """A date in the ISO form a date input sends, with a message a person understands."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter a real date, like 2026-03-31."))) from error

    def post_validate(self, form: object, validation_stopped: bool) -> None:
        if self.data is not None and not EARLIEST <= self.data <= LATEST:
            raise ValidationError(_l("Enter a date between the years 2000 and 2100."))

    def required_date(self) -> dt.date:
        """The date of a validated form whose field InputRequired guards (never None then)."""
        if self.data is None:
            raise ValueError(f"{self.name} has no date: validate the form first")
        return self.data


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False  # reading only; nothing changes

    agency = SelectField(_l("Agency"), validate_choice=False, validators=[Optional()])
    date_from = DayField(_l("Sent from"), validators=[Optional()])
    date_to = DayField(_l("Sent to"), validators=[Optional()])

    def __init__(self, formdata: object, today: dt.date) -> None:
        super().__init__(formdata)
        self.today = today  # the county's today: an empty end date is today

    def set_agencies(self, agencies: list[tuple[str, str]]) -> None:
        """The lead's choice of agency; nobody else has the field."""
        self.agency.choices = [
            SelectChoice("", _l("All agencies")),
            # Agency names are names: marked so no translator (person or browser) changes them.
            *(SelectChoice(value, name, render_kw={"translate": "no"}) for value, name in agencies),
        ]

    def validate_agency(self, field: Field) -> None:
        choices = self.agency.choices or []  # SelectChoices, set in __init__
        known = {choice.value for choice in choices if isinstance(choice, SelectChoice)}
        if field.data and field.data not in known:
            raise ValidationError(_l("Choose an agency from the list."))

    def dates(self) -> tuple[dt.date, dt.date]:
        """The dates asked for; left empty: the last twelve months, to today."""
        end = self.date_to.data or self.today
        start = self.date_from.data or default_dates(end)[0]
        return start, end

    def validate_date_to(self, field: Field) -> None:
        start, end = self.dates()
        if end < start:
            raise ValidationError(_l("The end date must be the same as or after the start date."))
        if (end - start).days > MAX_DAYS:
            raise ValidationError(_l("Choose dates no more than ten years apart."))
