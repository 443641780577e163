"""Forms of the client's requests. Limits are stated on the page; invisible control characters
are dropped (they carry nothing a person meant to write); HTML is kept as the text it is and
escaped wherever it is shown."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

REQUESTED_VALUE_MAX = 200
REASON_MAX = 1000
STATEMENT_MAX = 2000
DESCRIPTION_MAX = 5000
NAME_MAX = 200
CONTACT_MAX = 200


def clean_text(value: object) -> object:
    """Normalise what a person typed: NFC, Unix newlines, no control or direction characters,
    no spaces around it."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text).strip()


def _length(maximum: int) -> Length:
    return Length(
        max=maximum,
        message=_l("Use %(max)d characters or fewer.", max=maximum),
    )


class SubmissionForm(FlaskForm):
    """Every request form carries a random key: sending it twice makes one request."""

    submission_key = HiddenField()


class CorrectionForm(SubmissionForm):
    requested_value = StringField(
        _l("What it should say"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter what it should say.")), _length(REQUESTED_VALUE_MAX)],
    )
    reason = TextAreaField(
        _l("Why it is wrong"),
        filters=[clean_text],
        validators=[InputRequired(_l("Tell us why it is wrong.")), _length(REASON_MAX)],
    )
    evidence = TextAreaField(
        _l("Proof you can show (optional)"),
        filters=[clean_text],
        validators=[Optional(), _length(REASON_MAX)],
    )


class StatementForm(FlaskForm):
    statement = TextAreaField(
        _l("Your statement"),
        filters=[clean_text],
        validators=[InputRequired(_l("Write your statement.")), _length(STATEMENT_MAX)],
    )


class ConfirmForm(SubmissionForm):
    """A button that does one thing (withdraw, escalate, ask for a printed copy)."""


CATEGORIES = ("privacy", "access", "correction", "staff_conduct", "other")
CATEGORY_LABELS = {
    "privacy": _l("My privacy was not respected"),
    "access": _l("I could not see or get my record"),
    "correction": _l("My record was not fixed"),
    "staff_conduct": _l("How a staff member treated me"),
    "other": _l("Something else"),
}
CONTACT_METHODS = ("phone", "email", "mail", "none")
CONTACT_LABELS = {
    "phone": _l("By phone"),
    "email": _l("By email"),
    "mail": _l("By mail"),
    "none": _l("Do not contact me"),
}


class ComplaintForm(SubmissionForm):
    category = RadioField(
        _l("What is your complaint about?"),
        choices=[SelectChoice(key, CATEGORY_LABELS[key]) for key in CATEGORIES],
        validators=[InputRequired(_l("Choose what your complaint is about."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        filters=[clean_text],
        validators=[InputRequired(_l("Tell us what happened.")), _length(DESCRIPTION_MAX)],
    )
    contact_method = RadioField(
        _l("How should we answer you?"),
        choices=[SelectChoice(key, CONTACT_LABELS[key]) for key in CONTACT_METHODS],
        validators=[InputRequired(_l("Choose how we should answer you."))],
    )
    contact_details = StringField(
        _l("Phone number, email or mailing address"),
        filters=[clean_text],
        validators=[_length(CONTACT_MAX)],
    )
    name = StringField(
        _l("Your name (optional)"), filters=[clean_text], validators=[_length(NAME_MAX)]
    )
    anonymous = BooleanField(_l("Send it without my name. Do not link it to my record."))

    def validate_contact_details(self, field: StringField) -> None:
        method = self.contact_method.data
        if method in (None, "none"):
            field.data = ""  # "do not contact me": nothing kept to reach the person by
            return
        if not field.data:
            raise ValidationError(_l("Enter how we can reach you, or choose: do not contact me."))
        if method == "phone" and not phone_digits(field.data):
            raise ValidationError(
                _l("Enter a phone number with its area code, for example (847) 555-0142.")
            )
        if method == "email" and not EMAIL.fullmatch(field.data):
            raise ValidationError(
                _l("Enter an email address with an @ in it, for example name@example.com.")
            )


class AnonymousComplaintForm(ComplaintForm):
    """Without signing in there is no record to link: the person gives a contact, or none."""

    anonymous = None  # type: ignore[assignment]  # WTForms: None removes the inherited field


EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_CHARACTERS = re.compile(r"[0-9 ()+.\-]+")


def contact_href(method: str | None, details: str | None) -> str:
    """A tel: or mailto: link for contact details shown back, or "" when they make none."""
    if not details:
        return ""
    if method == "phone" and (digits := phone_digits(details)):
        return f"tel:{digits}"
    if method == "email" and EMAIL.fullmatch(details.strip()):
        return f"mailto:{details.strip()}"
    return ""


def phone_digits(text: str) -> str | None:
    """The digits of a phone number as a tel: link takes them (+ and 10 to 15 digits), or None
    when the text is not a phone number."""
    text = re.sub(r"\s*(x|ext\.?)\s*\d+$", "", text.strip(), flags=re.IGNORECASE)
    if not PHONE_CHARACTERS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 10:  # a North American number without its country code
        digits = "1" + digits
    return "+" + digits if 11 <= len(digits) <= 15 else None


class CoveredForm(FlaskForm):
    """Who a sharing form covers: the signer and children in households they head."""

    covered = SelectMultipleField(
        _l("Who is this form for?"),
        choices=[],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[InputRequired(_l("Choose at least one person."))],
    )


class SignForm(FlaskForm):
    agree = BooleanField(
        _l("I agree to sign this form electronically."),
        validators=[InputRequired(_l("Tick the box to sign electronically, or ask for paper."))],
    )
    signed_name = StringField(
        _l("Type your full name"),
        filters=[clean_text],
        validators=[InputRequired(_l("Type your full name to sign.")), _length(NAME_MAX)],
    )
    # Optional: a signature drawn with a finger or mouse, as SVG path data ("M1 2 L3 4 ...").
    drawn_signature = HiddenField(filters=[clean_text])

    def validate_drawn_signature(self, field: HiddenField) -> None:
        if field.data and (len(field.data) > 20000 or not re.fullmatch(r"[ML0-9., ]*", field.data)):
            field.data = ""  # never required, so a bad drawing is dropped, not an error
