"""Office-hours forms (CSRF on every one, via FlaskForm)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from lms.courses.vocabulary import COMPETENCIES
from lms.inputs import Form, db_int
from lms.officehours.times import time_zones
from lms.officehours.vocabulary import (
    DEFAULT_TIME_ZONE,
    DURATIONS,
    HELPFUL,
    MAX_CAPACITY,
    MAX_OCCURRENCES,
    REPEATS,
)
from lms.people.models import JOB_FUNCTIONS
from lms.tools.forms import http_url

LAST_YEAR = 2100


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _choices(words: dict[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in words.items()]


class SessionForm(Form):
    title = StringField(
        "Title",
        filters=[_stripped],
        validators=[DataRequired("Give the session a title."), Length(max=120)],
        description="e.g. “Prompting clinic for support replies”.",
    )
    host_email = EmailField(
        "Host's email",
        filters=[_stripped],
        validators=[
            DataRequired("Enter the host's email."),
            Email("Enter an email address."),
            Length(max=254),
        ],
        description="An AI champion, a course author, an AI programme owner or an admin.",
    )
    topic = StringField(
        "Topic",
        filters=[_stripped],
        validators=[DataRequired("Say in a line what it is about."), Length(max=300)],
    )
    area = SelectField(
        "Competency area (optional)",
        choices=[SelectChoice("", "None in particular"), *_choices(COMPETENCIES)],
    )
    audience = SelectMultipleField(
        "Who it is for",
        choices=_choices(JOB_FUNCTIONS),
        description="Tick none for everyone. People outside the functions ticked do not see it.",
    )
    day = DateField("Day", validators=[InputRequired("Pick the day.")])
    start = TimeField("Starts at", validators=[InputRequired("Pick the start time.")])
    time_zone = SelectField("Time zone", default=DEFAULT_TIME_ZONE)
    duration = SelectField("How long", coerce=db_int, choices=_choices(DURATIONS), default=45)
    repeat = SelectField("Repeat", coerce=db_int, choices=_choices(REPEATS), default=0)
    occurrences = IntegerField(
        "How many sessions in the series",
        validators=[
            Optional(),
            NumberRange(2, MAX_OCCURRENCES, f"From 2 to {MAX_OCCURRENCES} sessions."),
        ],
        description="Only for a series.",
    )
    online_url = StringField(
        "Online meeting link",
        filters=[_stripped],
        validators=[Optional(), Length(max=500), http_url],
        description="A web address starting with https://.",
    )
    room = StringField(
        "Room",
        filters=[_stripped],
        validators=[Optional(), Length(max=200)],
        description="Where to come in person. Give a link, a room or both.",
    )
    capacity = IntegerField(
        "Seats",
        validators=[
            InputRequired("Say how many people can come."),
            NumberRange(1, MAX_CAPACITY, f"From 1 to {MAX_CAPACITY} seats."),
        ],
        default=8,
    )
    submit = SubmitField("Save")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(name, name) for name in time_zones()]

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.online_url.data or self.room.data) and not self.online_url.errors:
            self.room.errors = [*self.room.errors, "Give an online meeting link, a room or both."]
            valid = False
        day = self.day.data
        if isinstance(day, date) and not date(2000, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
            self.day.errors = [*self.day.errors, f"Pick a day before {LAST_YEAR + 1}."]
            valid = False
        # The edit form has no repeat fields (deleted fields are None).
        repeat, occurrences = self.repeat, self.occurrences
        wants_series = repeat is not None and occurrences is not None and repeat.data
        if wants_series and not occurrences.errors and not occurrences.data:
            occurrences.errors = [*occurrences.errors, "Say how many sessions the series has."]
            valid = False
        return valid


class AttendanceForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    present = SelectMultipleField("Who came", coerce=db_int, choices=[], validate_choice=True)
    submit = SubmitField("Save attendance")


class FeedbackForm(Form):
    helpful = RadioField(
        "Did this help?",
        choices=_choices(HELPFUL),
        validators=[InputRequired("Choose yes, somewhat or no.")],
    )
    comment = TextAreaField(
        "Anything to add? (optional)",
        filters=[_stripped],
        validators=[Optional(), Length(max=500, message="Keep it under 500 characters.")],
        description="Only the host sees it.",
    )
    submit = SubmitField("Send")


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""

    submit = SubmitField("Go")
