from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.inputs import db_int
from lms.people.models import utcnow

MAX_EMAILS = 200


class CheckboxListField(SelectMultipleField):  # type: ignore[misc]  # wtforms is untyped
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CourseDueForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """The course, due date and note every way of assigning asks for."""

    course = SelectField("Course", validators=[DataRequired("Choose a course.")])
    due_on = DateField("Due date", validators=[DataRequired("Enter a due date.")])
    note = TextAreaField(
        "Note to the learners (optional)",
        validators=[Optional(), Length(max=500, message="Keep the note under 500 characters.")],
    )

    def validate_due_on(self, field: Any) -> None:
        if field.data is not None and field.data < utcnow().date():
            raise ValidationError("The due date cannot be in the past.")


class AssignPersonForm(CourseDueForm):
    """Assigning a course to one person, from the team pages (who is in the URL)."""

    back = HiddenField(default="person")  # the page to return to: person, team or home


class AssignForm(CourseDueForm):
    scope = RadioField(
        "Assign to",
        choices=[
            SelectChoice("selected", "The people I choose below"),
            SelectChoice("direct", "All my direct reports"),
            SelectChoice("subtree", "Everyone in my organisation (all levels below me)"),
        ],
        default="selected",
    )
    people = CheckboxListField("My direct reports", coerce=db_int, validate_choice=False)
    emails = TextAreaField(
        "Others in my organisation",
        validators=[Optional(), Length(max=20_000)],
        description="Email addresses, one per line or separated by commas.",
    )

    def email_list(self) -> list[str]:
        raw = (self.emails.data or "").replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def validate_emails(self, field: Any) -> None:
        emails = self.email_list()
        if len(emails) > MAX_EMAILS:
            raise ValidationError(f"At most {MAX_EMAILS} addresses at a time.")
        bad = [email for email in emails if "@" not in email or len(email) > 254]
        if bad:
            raise ValidationError(f"Not an email address: {bad[0][:60]}")

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if (
            valid
            and self.scope.data == "selected"
            and not self.people.data
            and not self.email_list()
        ):
            self.people.errors = [*self.people.errors, "Choose at least one person."]
            return False
        return valid


def due_default() -> date:
    return utcnow().date()


class RemindGroupForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """The "Remind those not done" button of one course and due date: which ones, and the token."""

    course = HiddenField(validators=[DataRequired()])
    due_on = HiddenField(validators=[DataRequired()])
