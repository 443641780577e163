from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import EqualTo, InputRequired, Length

from portal.accounts.models import Role
from portal.accounts.services import email_problem, password_problem


class SetupPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Enter a password."))]
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[
            InputRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )

    def validate_password(self, field: PasswordField) -> None:
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)


class StaffSignInForm(FlaskForm):
    email = StringField(
        _l("Email address"), validators=[InputRequired(_l("Enter your email address."))]
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code"), validators=[InputRequired(_l("Enter the 6-digit code from your app."))]
    )


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        validators=[InputRequired(_l("Enter one of your recovery codes."))],
    )


# Translators: the four kinds of staff account, as administrators see them.
ROLE_LABELS = {
    Role.AGENCY_STAFF: _l("Agency staff"),
    Role.AGENCY_ADMIN: _l("Agency data administrator"),
    Role.HMIS_LEAD: _l("HMIS lead"),
    Role.SYSTEM_ADMIN: _l("System administrator"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class PolicyForm(FlaskForm):
    accept = BooleanField(
        _l("I have read and accept the End User Policy and Code of Ethics."),
        validators=[InputRequired(_l("Tick the box to accept the policy."))],
    )
    # The version the person read: a version published meanwhile is shown, not accepted unseen.
    version_id = HiddenField()


class StaffUserForm(FlaskForm):
    """A staff account's details. The view sets the role and agency choices for the viewer and
    removes the fields the viewer may not change."""

    name = StringField(
        _l("Full name"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter the person's full name.")),
            Length(max=200, message=_l("Enter a name of at most 200 characters.")),
        ],
    )
    email = StringField(
        _l("Work email address"),
        filters=[_strip],
        validators=[
            InputRequired(_l("Enter the person's work email address.")),
            Length(max=320, message=_l("Enter an email address of at most 320 characters.")),
        ],
    )
    role = RadioField(_l("Role"), choices=[], invalid_choice_message=_l("Choose a role."))
    agency = SelectField(
        _l("Agency"),
        choices=[],
        default="",
        invalid_choice_message=_l("Choose an agency from the list."),
    )

    # Set by the view: whether another account has this address, so that a duplicate is
    # reported together with the other mistakes (the service checks again when saving).
    email_taken: Callable[[str], bool] | None = None

    def validate_email(self, field: StringField) -> None:
        if problem := email_problem(field.data or ""):
            raise ValidationError(problem)
        if self.email_taken is not None and self.email_taken(field.data or ""):
            raise ValidationError(_l("A staff user with this email address already exists."))

    def validate_agency(self, field: SelectField) -> None:
        role = self.role.data if "role" in self else None
        if role in (Role.AGENCY_STAFF.value, Role.AGENCY_ADMIN.value) and not field.data:
            raise ValidationError(_l("Choose the agency this person works for."))


class StaffUserFilterForm(FlaskForm):
    """The list's filter travels in the URL (a GET form)."""

    class Meta:
        csrf = False  # reading only; nothing changes

    agency = SelectField(
        _l("Agency"),
        choices=[],
        default="",
        invalid_choice_message=_l("Choose an agency from the list."),
    )
