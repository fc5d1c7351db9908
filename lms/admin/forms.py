from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from lms.inputs import Form
from lms.people.models import JOB_FUNCTIONS


class PersonForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    job_function = SelectField(
        "Job function",
        choices=[SelectChoice(value, label) for value, label in JOB_FUNCTIONS.items()],
    )
    title = StringField("Title", validators=[Optional(), Length(max=200)])
    manager_email = EmailField(
        "Manager's email", validators=[Optional(), Email(), Length(max=254)],
        description="Leave empty for someone at the top of the organisation.",
    )
    is_author = BooleanField("Course author")
    is_admin = BooleanField("Administrator")
    is_executive = BooleanField("Executive")
    active = BooleanField("Active (can log in)", default=True)
    submit = SubmitField("Save")


class ImportForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    file = FileField(
        "Org chart (CSV)",
        validators=[FileRequired(), FileAllowed(["csv", "txt"], "Upload a .csv file.")],
    )
    submit = SubmitField("Import")


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""

    submit = SubmitField("Go")
