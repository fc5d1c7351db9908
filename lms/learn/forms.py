"""Forms for granting an extra quiz attempt and setting a time accommodation."""

from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.inputs import Form
from lms.learn.grants import ACCOMMODATION_LABELS, MIN_REASON


class GrantAttemptForm(Form):
    course = SelectField("Course", validators=[DataRequired()])
    reason = StringField(
        "Why",
        validators=[DataRequired(), Length(min=MIN_REASON, max=500)],
        description="Recorded with the grant and shown on the person's history.",
    )
    back = HiddenField(default="team")  # which person page to return to: team or admin
    submit = SubmitField("Grant one more attempt")


class AccommodationForm(Form):
    choice = SelectField(
        "Time on timed quizzes",
        choices=[SelectChoice(value, label) for value, label in ACCOMMODATION_LABELS.items()],
    )
    note = StringField(
        "Note (admins only)",
        validators=[Length(max=500)],
        description="Why, for administrators. Managers see only that an accommodation exists.",
    )
    submit = SubmitField("Save time accommodation")
