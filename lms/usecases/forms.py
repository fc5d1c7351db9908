"""Forms of the use-case library (CSRF on every one, via FlaskForm)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.courses.placeholders import MAX_TOOL_NAME
from lms.courses.vocabulary import COMPETENCIES
from lms.inputs import Form
from lms.people.models import JOB_FUNCTIONS
from lms.usecases.models import (
    MAX_CHECKS,
    MAX_MINUTES,
    MAX_NOTE,
    MAX_RISKS,
    MAX_STEPS,
    MAX_TASK,
    MAX_TITLE,
)
from lms.usecases.vocabulary import DECISIONS, NEEDS_NOTE

OTHER_TOOL = "other"
MARKDOWN_HINT = "Markdown: **bold**, lists, `code` and ``` blocks."


def _choices(words: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in words.items()]


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"Keep it under {limit:,} characters.")


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]  # wtforms is untyped here
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UseCaseForm(Form):
    title = StringField(
        "The task, in a few words",
        filters=[_stripped],
        validators=[DataRequired("Name the task."), _at_most(MAX_TITLE)],
        description="e.g. “First reply to a delivery complaint”.",
    )
    task = TextAreaField(
        "What the task is",
        filters=[_stripped],
        validators=[DataRequired("Describe the task."), _at_most(MAX_TASK)],
        description="What you needed to get done, and for whom. " + MARKDOWN_HINT,
    )
    tool = SelectField("Which AI tool?", validators=[InputRequired("Choose a tool.")])
    other_tool = StringField(
        "Its name, if it is not in the list",
        filters=[_stripped],
        validators=[Optional(), _at_most(MAX_TOOL_NAME)],
    )
    steps = TextAreaField(
        "The prompt or the steps",
        filters=[_stripped],
        validators=[DataRequired("Share the prompt or the steps."), _at_most(MAX_STEPS)],
        description="Leave out names, customer details and anything confidential. " + MARKDOWN_HINT,
    )
    checks = TextAreaField(
        "What you check before using the output",
        filters=[_stripped],
        validators=[DataRequired("Say what you check."), _at_most(MAX_CHECKS)],
    )
    risks = TextAreaField(
        "Risks, and how you handle them",
        filters=[_stripped],
        validators=[Optional(), _at_most(MAX_RISKS)],
    )
    minutes_saved = IntegerField(
        "Time it saves you each time, in minutes (your estimate)",
        validators=[
            Optional(),
            NumberRange(1, MAX_MINUTES, f"A number of minutes from 1 to {MAX_MINUTES}."),
        ],
        description="Leave it empty if you are not sure.",
    )
    job_function = SelectField(
        "Whose work is it?", choices=_choices(JOB_FUNCTIONS), validators=[InputRequired()]
    )
    areas = MultiCheckboxField(
        "What it practises (one or more)",
        choices=_choices(COMPETENCIES),
        validators=[DataRequired("Choose at least one.")],
    )
    show_name = BooleanField("Show my name with it")
    save = SubmitField("Save as draft")
    submit = SubmitField("Send for review")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.tool.data == OTHER_TOOL and not self.other_tool.data:
            self.other_tool.errors = [*self.other_tool.errors, "Type the tool's name."]
            valid = False
        return valid


class ReviewForm(Form):
    decision = SelectField("Decision", choices=_choices(DECISIONS))
    note = TextAreaField(
        "Words to the author",
        filters=[_stripped],
        validators=[Optional(), _at_most(MAX_NOTE)],
        description="Required to ask for changes, decline or remove. The author reads it.",
    )
    submit = SubmitField("Save and tell the author")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        needed = NEEDS_NOTE.get(self.decision.data)
        if needed and not self.note.data:
            self.note.errors = [*self.note.errors, needed]
            valid = False
        return valid


class TriedForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    minutes_saved = IntegerField(
        "It saved me about (minutes, optional)",
        validators=[
            Optional(),
            NumberRange(1, MAX_MINUTES, f"A number of minutes from 1 to {MAX_MINUTES}."),
        ],
    )
    submit = SubmitField("I tried this")


class RemovalReportForm(Form):
    reason = TextAreaField(
        "Why should it be removed?",
        filters=[_stripped],
        validators=[DataRequired("Say why."), _at_most(500)],
    )
    submit = SubmitField("Report for removal")


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""

    submit = SubmitField("Go")
