from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.reports.forms import DayField
from portal.requests.forms import clean_text

PROBLEMS = {
    "not_household": _l(
        "You can sign only for yourself and for children under 18 in a household you head."
    ),
    "end_in_past": _l("The end date cannot be in the past."),
    "end_too_far": _l("Choose an end date within five years."),
    "incomplete": _l("Fill in every answer."),
    "wrong_form": _l("This form cannot be signed now. Start again."),
}
# The same refusals, worded for staff typing in a paper form.
STAFF_PROBLEMS = {
    **PROBLEMS,
    "not_household": _l(
        "The signer may sign only for themselves, or for a child under 18 in a household they head."
    ),
    "unknown_client": _l("There is no client with this HMIS Personal ID."),
    "other_agency": _l("This client has no enrollment at your agency."),
}


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Use %(max)d characters or fewer.", max=maximum))


def _purpose_field() -> TextAreaField:
    """What the recipient may use the information for: the same question on both forms."""
    return TextAreaField(
        _l("What they may use it for"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter what they may use it for.")), _length(2000)],
    )


def _end_date_field() -> DayField:
    """The consent's last day: the same question on both forms."""
    return DayField(
        _l("Last day of this consent"),
        validators=[InputRequired(_l("Enter the last day of this consent."))],
        render_kw={"type": "date"},
    )


class ConsentForm(FlaskForm):
    """What a client consents to: who gets what, for what, until when, and the signature."""

    personal_id = RadioField(_l("Who is this consent for?"), choices=[])
    recipient = StringField(
        _l("Who may receive your information"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter who may receive your information.")), _length(200)],
    )
    purpose = _purpose_field()
    end_date = _end_date_field()
    agree = BooleanField(
        _l("I agree to sign this form electronically."),
        validators=[InputRequired(_l("Tick the box to sign electronically, or ask for paper."))],
    )
    signed_name = StringField(
        _l("Your full name"),
        filters=[clean_text],
        validators=[InputRequired(_l("Type your full name to sign.")), _length(200)],
    )


class PaperConsentForm(FlaskForm):
    """A consent signed on paper, typed in by staff."""

    kind = RadioField(_l("Consent form"), choices=[])
    personal_id = StringField(
        _l("HMIS Personal ID of the client it is for"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter the client's HMIS Personal ID.")), _length(64)],
    )
    signed_by = StringField(
        _l("HMIS Personal ID of the signer, if a parent signed for a child"),
        filters=[clean_text],
        validators=[_length(64)],
    )
    recipient = StringField(
        _l("Who may receive the information"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter who may receive the information.")), _length(200)],
    )
    purpose = _purpose_field()
    end_date = _end_date_field()
    signed_name = StringField(
        _l("Name as signed on the paper form"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter the name as signed.")), _length(200)],
    )
