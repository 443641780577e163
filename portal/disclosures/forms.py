from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.disclosures.items import ITEM_GROUPS, PURPOSES
from portal.reports.forms import DayField
from portal.requests.forms import clean_text

# Translators: what the service's refusal codes mean, next to the field they are about.
PROBLEMS = {
    ("purpose", "unknown"): _l("Choose why the information was given."),
    ("purpose", "no_consent"): _l(
        "This use needs the client's written consent, and no consent is in force for: "
        "%(ids)s. Record the consent first."
    ),
    ("items", "missing"): _l("Choose at least one part of the record."),
    ("items", "unknown"): _l("Choose parts of the record from the list."),
    ("personal_ids", "missing"): _l("Enter at least one HMIS Personal ID."),
    ("personal_ids", "too_many"): _l("Enter at most 5,000 Personal IDs at once."),
    ("personal_ids", "unknown"): _l("These Personal IDs are not in the portal: %(ids)s"),
    ("personal_ids", "other_agency"): _l(
        "These clients have no enrollment at your agency: %(ids)s"
    ),
    ("personal_ids", "not_allowed"): _l("You may not record disclosures."),
    ("disclosed_on", "future"): _l("The date of the disclosure cannot be in the future."),
    ("recipient_organization", "missing"): _l("Enter who received the information."),
    ("basis", "missing"): _l("Enter the legal basis or the document's reference."),
    ("visible_from", "not_for_purpose"): _l(
        "Only a disclosure to police, courts or federal officials, or another one the law "
        "requires, can be hidden from the client for a time."
    ),
    ("visible_from", "not_after"): _l(
        "The date the client may see it must be after the disclosure."
    ),
    ("supersedes", "unknown"): _l("There is no entry with that reference that you can correct."),
    ("supersedes", "already"): _l("That entry was already corrected by a later one."),
}


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Use %(max)d characters or fewer.", max=maximum))


class DisclosureForm(FlaskForm):
    personal_ids = TextAreaField(
        _l("HMIS Personal IDs"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter at least one HMIS Personal ID."))],
    )
    disclosed_on = DayField(
        _l("Date the information was given"),
        validators=[InputRequired(_l("Enter the date the information was given."))],
        render_kw={"type": "date"},
    )
    recipient_organization = StringField(
        _l("Organisation that received it"),
        filters=[clean_text],
        validators=[InputRequired(_l("Enter who received the information.")), _length(200)],
    )
    recipient_person = StringField(
        _l("Person who received it (name and role)"),
        filters=[clean_text],
        validators=[Optional(), _length(200)],
    )
    purpose = RadioField(
        _l("Why it was given"),
        choices=[SelectChoice(purpose.key, purpose.label) for purpose in PURPOSES],
        validators=[InputRequired(_l("Choose why the information was given."))],
    )
    items = SelectMultipleField(
        _l("Which parts of the record"),
        choices=[SelectChoice(key, label) for key, label in ITEM_GROUPS.items()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[InputRequired(_l("Choose at least one part of the record."))],
    )
    basis = TextAreaField(
        _l("Legal basis or document reference"),
        filters=[clean_text],
        validators=[
            InputRequired(_l("Enter the legal basis or the document's reference.")),
            _length(2000),
        ],
    )
    visible_from = DayField(
        _l("Hide it from the client until (only when an order says so)"),
        validators=[Optional()],
        render_kw={"type": "date"},
    )
    supersedes = StringField(
        _l("Corrects the entry with reference"),
        filters=[clean_text],
        validators=[Optional(), _length(20)],
    )

    def add_problems(self, problems: dict[str, str], ids: list[str]) -> None:
        """Put the service's refusal on the fields it is about."""
        for name, code in problems.items():
            message = PROBLEMS.get((name, code), _l("Check this answer."))
            field = self[name if name in self else "personal_ids"]
            field.errors = [*field.errors, str(message) % {"ids": ", ".join(ids[:20])}]
