"""Forms of the champions pages (CSRF on every one, via FlaskForm)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.champions.models import CONFIRMED, DECLINED
from lms.inputs import Form
from lms.people.models import JOB_FUNCTIONS

MAX_TEXT = 500
SCOPES = {"function": "Everyone in this function", "team": "My own team"}


def _choices(words: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in words.items()]


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class VolunteerForm(Form):
    job_function = SelectField(
        "Which function would you help?",
        choices=_choices(JOB_FUNCTIONS),
        validators=[InputRequired()],
    )
    scope = RadioField(
        "Who would you help?",
        choices=_choices(SCOPES),
        default="function",
        validators=[InputRequired("Choose one.")],
    )
    why = TextAreaField(
        "Why you would like to be a champion",
        filters=[_stripped],
        validators=[
            DataRequired("Tell us in a few words why."),
            Length(max=MAX_TEXT, message=f"Keep it under {MAX_TEXT} characters."),
        ],
    )
    helps_with = TextAreaField(
        "What you can help colleagues with",
        filters=[_stripped],
        validators=[
            DataRequired("Say what you can help with."),
            Length(max=MAX_TEXT, message=f"Keep it under {MAX_TEXT} characters."),
        ],
        description="Colleagues read this on the Champions page, e.g. “prompts for account "
        "research, checking figures in AI summaries”.",
    )
    consent = BooleanField(
        "I agree that my name, function and what I help with are shown to colleagues",
        validators=[DataRequired("Champions are listed by name: tick this to volunteer.")],
    )
    submit = SubmitField("Volunteer")


DECISION_CHOICES = {CONFIRMED: "Confirm", DECLINED: "Decline"}


class DecisionForm(Form):
    status = RadioField(
        "Decision", choices=_choices(DECISION_CHOICES), validators=[InputRequired()]
    )
    note = TextAreaField(
        "Words to the person",
        filters=[_stripped],
        validators=[
            Optional(),
            Length(max=MAX_TEXT, message=f"Keep it under {MAX_TEXT} characters."),
        ],
        description="Required to decline: they will read it.",
    )
    submit = SubmitField("Save and tell them")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.status.data == DECLINED and not self.note.data:
            self.note.errors = [*self.note.errors, "Say why: the person will read it."]
            valid = False
        return valid


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""

    submit = SubmitField("Go")
