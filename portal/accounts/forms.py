from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import EqualTo, InputRequired

from portal.accounts.services import password_problem


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
