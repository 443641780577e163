"""Forms staff use on a request. Free text is cleaned like the client's (portal.requests.forms)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.hmis import items
from portal.requests.correction_forms import coded_field
from portal.requests.forms import (
    CATEGORY_LABELS,
    CONTACT_LABELS,
    CONTACT_MAX,
    REASON_MAX,
    REQUESTED_VALUE_MAX,
    _length,
    clean_text,
)
from portal.requests.labels import DENIAL_REASON_LABELS, HANDOVER_LABELS
from portal.requests.workflow import STANDARD_MESSAGES


class VersionedForm(FlaskForm):
    """Every action names the version of the request on the page it was made on.

    The version is a whole number the page carries, never typed: anything else is a bad request
    (400), not an error to show beside a field."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.version.errors:
            abort(400)
        return valid

    def seen_version(self) -> int:
        return int(self.version.data or 0)


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Internal note (never shown to the client)"),
        filters=[clean_text],
        validators=[InputRequired(_l("Write the note.")), _length(REASON_MAX)],
    )


class MessageForm(FlaskForm):
    standard = SelectField(
        _l("Standard message (translated for the client)"),
        choices=[SelectChoice("", _l("None: I write my own"))]
        + [SelectChoice(f"std:{key}", text) for key, text in STANDARD_MESSAGES.items()],
        validators=[Optional()],
    )
    message_text = TextAreaField(
        _l("Or your own message to the client"),
        filters=[clean_text],
        validators=[_length(REASON_MAX)],
    )

    def validate_message_text(self, field: TextAreaField) -> None:
        if not field.data and not self.standard.data:
            raise ValidationError(_l("Choose a standard message or write one."))

    def message(self) -> str:
        # validate_message_text: one of the two is given.
        return self.standard.data or self.message_text.data or ""


class ExtendForm(VersionedForm):
    extension_reason = TextAreaField(
        _l("Why more time is needed (the client sees this)"),
        filters=[clean_text],
        validators=[InputRequired(_l("Give the reason for the extension.")), _length(REASON_MAX)],
    )


class DecisionForm(VersionedForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[],
        validators=[InputRequired(_l("Choose the decision."))],
    )
    corrected_value = StringField(
        _l("Value recorded (for a partial approval)"),
        filters=[clean_text],
        validators=[_length(REQUESTED_VALUE_MAX)],
    )
    # A coded item: HUD's choices instead of corrected_value (decision_form_for adds it).
    corrected_codes: Field | None = None
    denial_reason = SelectField(
        _l("HUD reason (for a denial)"),
        choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(key, text) for key, text in DENIAL_REASON_LABELS.items()],
        validators=[Optional()],
    )
    handover = RadioField(
        _l("How the copy reached the client"),
        choices=[SelectChoice(key, text) for key, text in HANDOVER_LABELS.items()],
        validators=[Optional()],
    )
    explanation = TextAreaField(
        _l("Explanation in plain words (the client sees this)"),
        filters=[clean_text],
        validators=[_length(REASON_MAX)],
    )

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """What each outcome needs besides itself; the errors sit at the fields concerned."""
        valid = super().validate(extra_validators)
        outcome = self.outcome.data
        needs = (
            (outcome == "denied", self.denial_reason, _l("Choose HUD's reason for the denial.")),
            (
                outcome == "partly_approved",
                self.corrected_codes or self.corrected_value,
                _l("Choose the value you recorded.")
                if self.corrected_codes
                else _l("Enter the value you recorded."),
            ),
            (outcome == "completed", self.handover, _l("Say how the copy reached the client.")),
            (
                outcome in ("denied", "partly_approved", "responded", "escalation_decided"),
                self.explanation,
                _l("Explain the decision in plain words."),
            ),
        )
        for needed, field, message in needs:
            if needed and not field.data:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def chosen_codes(self) -> list[str]:
        """The HUD codes chosen for a partial approval of a coded item ([] otherwise)."""
        data = self.corrected_codes.data if self.corrected_codes else None
        return [str(code) for code in (data if isinstance(data, list) else [data]) if code]


def decision_form_class(item_key: str | None, standards: str) -> type[DecisionForm]:
    """The decision form; for a coded item, its partial approval takes HUD's choices."""
    entry = items.entry_for(item_key or "")
    field = (
        coded_field(entry, standards, _l("Value recorded (for a partial approval)"), required=False)
        if entry is not None
        else None
    )
    if field is None:
        return DecisionForm
    return type("CodedDecisionForm", (DecisionForm,), {"corrected_codes": field})


STAFF_CHANNELS = ("in_person", "telephone", "paper", "mail")
ENTERED_TYPES = ("printed_copy", "correction", "complaint", "sharing_refusal", "sharing_restore")


class EnterRequestForm(FlaskForm):
    """A request a staff member enters for a client (in person, by telephone, paper or mail)."""

    type = RadioField(
        _l("Type of request"),
        choices=[],
        validators=[InputRequired(_l("Choose the type of request."))],
    )
    channel = RadioField(
        _l("How the client asked"),
        choices=[],
        validators=[InputRequired(_l("Choose how the client asked."))],
    )
    item_key = SelectField(_l("Item to correct"), choices=[], validators=[Optional()])
    current_value = StringField(
        _l("What the record says now"),
        filters=[clean_text],
        validators=[_length(REQUESTED_VALUE_MAX)],
    )
    requested_value = StringField(
        _l("What it should say"), filters=[clean_text], validators=[_length(REQUESTED_VALUE_MAX)]
    )
    # A coded item takes HUD's choices (grouped by item, "<item key>=<code>"), never free text.
    requested_codes = SelectMultipleField(
        _l("What it should say, for a coded item: HUD's choices"),
        choices=[],
        validators=[Optional()],
    )
    details = TextAreaField(
        _l("Why, or what happened, in the client's words"),
        filters=[clean_text],
        validators=[_length(REASON_MAX)],
    )
    signed_name = StringField(
        _l("Name as signed on the paper form"), filters=[clean_text], validators=[_length(200)]
    )
    category = SelectField(
        _l("What the complaint is about"),
        choices=[SelectChoice("", _l("Choose a category"))]
        + [SelectChoice(key, text) for key, text in CATEGORY_LABELS.items()],
        validators=[Optional()],
    )
    contact_method = RadioField(
        _l("How the client wants an answer"),
        choices=[SelectChoice(key, text) for key, text in CONTACT_LABELS.items()],
        validators=[Optional()],
    )
    contact_details = StringField(
        _l("Phone number, email or mailing address for the answer"),
        filters=[clean_text],
        validators=[_length(CONTACT_MAX)],
    )

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        kind = self.type.data
        needs = (
            (kind == "correction", self.item_key, _l("Choose the item to correct.")),
            (
                kind == "correction" and not self.is_coded(),
                self.requested_value,
                _l("Enter what it should say."),
            ),
            (kind in ("correction", "complaint"), self.details, _l("Write what the client said.")),
            (kind == "complaint", self.category, _l("Choose what the complaint is about.")),
            (
                kind == "complaint",
                self.contact_method,
                _l("Choose how the client wants an answer, or that they want none."),
            ),
            (
                kind == "complaint" and self.contact_method.data not in (None, "", "none"),
                self.contact_details,
                _l("Enter how the client can be reached."),
            ),
            (
                kind in ("sharing_refusal", "sharing_restore"),
                self.signed_name,
                _l("Enter the name as signed on the paper form."),
            ),
        )
        for needed, field, message in needs:
            if needed and not field.data:
                field.errors = [*field.errors, message]
                valid = False
        if kind == "correction" and self.is_coded() and not self._codes_fit():
            self.requested_codes.errors = [
                *self.requested_codes.errors,
                _l("Choose what it should say from HUD's choices for this item."),
            ]
            valid = False
        return valid

    def is_coded(self) -> bool:
        entry = items.entry_for(self.item_key.data or "")
        return entry is not None and entry.kind is items.Kind.CODED

    def _codes_fit(self) -> bool:
        """The codes chosen are the chosen item's (one, unless the item takes several)."""
        entry = items.entry_for(self.item_key.data or "")
        chosen = self.chosen_codes()
        if entry is None or not chosen or len(chosen) != len(self.requested_codes.data or []):
            return False
        if len(chosen) > 1 and set(chosen) & items.NONE_CODES:
            return False  # "doesn't know" or "prefers not to answer" is an answer on its own
        return entry.multiple or len(chosen) == 1

    def chosen_codes(self) -> list[str]:
        """The HUD codes chosen for the chosen item (what a coded correction stores)."""
        prefix = f"{self.item_key.data}="
        return [v[len(prefix) :] for v in self.requested_codes.data or [] if v.startswith(prefix)]


class AssignForm(VersionedForm):
    """A manager hands the request to a colleague, with the reason (on the timeline)."""

    assignee = SelectField(
        _l("Colleague"),
        choices=[],
        validators=[InputRequired(_l("Choose the colleague to assign it to."))],
    )
    assign_reason = StringField(
        _l("Reason (for the timeline; staff only)"),
        filters=[clean_text],
        validators=[_length(REASON_MAX)],
    )


class SavedViewForm(FlaskForm):
    view_name = StringField(
        _l("Name for this view"),
        filters=[clean_text],
        validators=[InputRequired(_l("Give the view a name.")), _length(60)],
    )
    query = HiddenField()
