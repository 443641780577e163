"""The client's correction form, shaped by the item (portal.hmis.items): free text for names and
numbers, three labelled boxes for a date (the USWDS memorable date), HUD's choices for a coded
item (radios, a list, or checkboxes when several may apply) so the request carries HUD codes staff
can apply. A new value that is the same as the record's is refused next to the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.client.record import Item
from portal.hmis import items
from portal.hmis.code_labels import translated
from portal.hmis.items import Kind, RecordItem
from portal.requests.forms import CorrectionForm
from portal.timeutil import utcnow

# HUD's "Data not collected" is what staff record, never an answer a person gives.
NOT_OFFERED = {"99"}
RADIOS_UP_TO = 6  # more choices than this: a list
UNCHANGED = _l("This is what your record says now. Enter what it should say instead.")
UNCHANGED_CHOICE = _l("This is what your record says now. Choose what it should say instead.")


def _same_text(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(a) == norm(b)


class TextCorrectionForm(CorrectionForm):
    """Names, the SSN, and items without a HUD list: what it should say, as typed."""

    kind = "text"
    main = "requested_value"

    def new_value(self) -> str:
        return str(self.requested_value.data or "")

    def new_codes(self) -> str | None:
        return None

    def shown_value(self) -> str:
        return self.new_value()

    def is_unchanged(self, item: Item) -> bool:
        value = self.new_value()
        if item.key.endswith(".ssn"):
            return re.sub(r"\D", "", value) == re.sub(r"\D", "", item.plain) != ""
        return _same_text(value, item.plain)

    def check_against(self, item: Item) -> bool:
        """False (and an error at the field) when the new value is the one recorded now."""
        if self.is_unchanged(item):
            field: Field = self[self.main]
            field.errors = [*field.errors, UNCHANGED if self.kind != "coded" else UNCHANGED_CHOICE]
            return False
        return True


class DateCorrectionForm(TextCorrectionForm):
    kind = "date"
    main = "new_month"
    requested_value = None  # type: ignore[assignment]  # WTForms: None removes the inherited field
    new_month = StringField(_l("Month"))
    new_day = StringField(_l("Day"))
    new_year = StringField(_l("Year"))

    def new_date(self) -> dt.date | None:
        try:
            year, month, day = (
                int((part or "").strip())
                for part in (self.new_year.data, self.new_month.data, self.new_day.data)
            )
            found = dt.date(year, month, day)
        except (ValueError, OverflowError):
            return None
        return found if year >= 1900 and found <= utcnow().date() else None

    def validate_new_month(self, field: StringField) -> None:
        if self.new_date() is None:
            raise ValidationError(
                _l("Enter the date as month, day and year, for example 7 24 1990.")
            )

    def new_value(self) -> str:
        found = self.new_date()
        return found.isoformat() if found else ""

    def shown_value(self) -> str:
        found = self.new_date()
        return format_date(found, "long") if found else ""

    def is_unchanged(self, item: Item) -> bool:
        return self.new_value() == item.plain


class CodedCorrectionForm(TextCorrectionForm):
    kind = "coded"
    main = "new_code"
    requested_value = None  # type: ignore[assignment]  # WTForms: None removes the inherited field
    english: Mapping[str, str] = {}

    def chosen(self) -> list[str]:
        data = self[self.main].data
        return [str(code) for code in (data if isinstance(data, list) else [data]) if code]

    def new_value(self) -> str:
        return ", ".join(self.english.get(code, code) for code in self.chosen())

    def new_codes(self) -> str:
        return ";".join(self.chosen())

    def shown_value(self) -> str:
        return ", ".join(translated(self.english.get(code, code)) for code in self.chosen())

    def is_unchanged(self, item: Item) -> bool:
        return bool(item.coded) and set(self.chosen()) == item.choices


def offered_codes(entry: RecordItem, standards: str) -> dict[str, str]:
    """HUD's choices for a coded item (code -> English label), as a person may answer."""
    return {
        code: label
        for code, label in entry.allowed_codes(standards).items()
        if code not in NOT_OFFERED
    }


def _one_none_answer(form: object, field: Field) -> None:
    chosen = set(field.data or [])
    if len(chosen) > 1 and chosen & items.NONE_CODES:
        raise ValidationError(
            _l("Choose “doesn’t know” or “prefers not to answer” only on its own.")
        )


def coded_field(
    entry: RecordItem, standards: str, label: str, *, required: bool = True
) -> Field | None:
    """HUD's choices for a coded item as one unbound field, the same on the client's and the
    staff's forms: checkboxes when several may apply, radios for a few, a list for many.
    None when the item has no HUD list under these standards."""
    english = offered_codes(entry, standards)
    if entry.kind is not Kind.CODED or not english:
        return None
    choices = [
        SelectChoice(code, translated(english_label)) for code, english_label in english.items()
    ]
    check: list[Any] = [InputRequired(_l("Choose an answer."))] if required else [Optional()]
    if entry.multiple:
        several: list[Any] = (
            [InputRequired(_l("Choose at least one answer."))] if required else [Optional()]
        )
        return SelectMultipleField(
            label,
            choices=choices,
            option_widget=CheckboxInput(),
            widget=ListWidget(prefix_label=False),
            validators=[*several, _one_none_answer],
        )
    if len(choices) <= RADIOS_UP_TO:
        return RadioField(label, choices=choices, validators=check)
    return SelectField(
        label, choices=[SelectChoice("", _l("Choose an answer")), *choices], validators=check
    )


def correction_form(entry: RecordItem, standards: str, **kwargs: object) -> TextCorrectionForm:
    """The form that asks for a new value of this item, as its kind needs."""
    if entry.kind is Kind.DATE:
        return DateCorrectionForm(**kwargs)
    field = coded_field(entry, standards, _l("What it should say"))
    if field is None:
        return TextCorrectionForm(**kwargs)
    form_class = type(
        "ItemCorrectionForm",
        (CodedCorrectionForm,),
        {"new_code": field, "english": offered_codes(entry, standards)},
    )
    form: TextCorrectionForm = form_class(**kwargs)
    return form
