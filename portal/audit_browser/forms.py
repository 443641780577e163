from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal.audit.services import KNOWN_ACTIONS
from portal.audit_browser.labels import ACTION_LABELS
from portal.reports.forms import DayField


class AuditFilterForm(FlaskForm):
    """Filters travel in the URL (a GET form), so a filtered view can be bookmarked or shared."""

    class Meta:
        csrf = False  # reading only; nothing changes

    personal_id = StringField(
        _l("Client (HMIS Personal ID or a request reference)"), validators=[Optional()]
    )
    # The staff users, by name: the view fills the choices.
    staff_user_id = SelectField(_l("Staff user"), choices=[], validators=[Optional()])
    agency = StringField(_l("Agency (HMIS OrganizationID)"), validators=[Optional()])
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("", _l("Any action"))]
        + [SelectChoice(action, ACTION_LABELS.get(action, action)) for action in KNOWN_ACTIONS],
        validators=[Optional()],
    )
    # A day typed wrong gets the portal's own words, not WTForms' untranslated ones.
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
