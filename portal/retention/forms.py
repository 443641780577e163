from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.retention.services import DATA_TYPES, MAX_YEARS, MIN_YEARS


class ScheduleForm(FlaskForm):
    """Years to keep each data type after the client's last enrollment activity."""


def _years_field(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Enter a number of years.")),
            NumberRange(MIN_YEARS, MAX_YEARS, _l("Enter a number of years from 1 to 75.")),
        ],
        render_kw={"inputmode": "numeric"},
    )


for _data_type, _label in DATA_TYPES.items():
    setattr(ScheduleForm, _data_type, _years_field(_label))


class PurgeForm(FlaskForm):
    """The HMIS lead confirms the purge of every client on the list."""

    confirm = BooleanField(
        _l("I have checked the list. Purge the personal data of these clients now."),
        validators=[InputRequired(_l("Tick the box to confirm the purge."))],
    )
