from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from lms.people.services import PASSWORD_MAX, PASSWORD_MIN


class LoginForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Log in")


def _password_length(_form: FlaskForm, field: PasswordField) -> None:
    value = field.data or ""
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValidationError(f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters; spaces are fine.")


class SetPasswordForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    password = PasswordField("New password", validators=[DataRequired(), _password_length])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set password")


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    submit = SubmitField("Change password")


class LogoutForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    submit = SubmitField("Log out")
