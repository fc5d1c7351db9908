"""Forms of the register, the settings and tool reports (CSRF on every one, via FlaskForm)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from lms.courses.placeholders import MAX_TOOL_NAME, TOOL_NAME_RULE, valid_tool_name
from lms.inputs import Form
from lms.tools.vocabulary import (
    ALLOWANCES,
    DATA_CLASSES,
    FREQUENCIES,
    LICENCES,
    NEEDS_RESPONSE,
    PAY_BANDS,
    REPORT_KINDS,
    STATUSES,
)

OTHER_TOOL = "other"


def _choices(words: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in words.items()]


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def tool_name_rule(_form: Any, field: Any) -> None:
    if field.data and not valid_tool_name(field.data):
        raise ValidationError(f"Use {TOOL_NAME_RULE}.")


class ToolForm(Form):
    name = StringField(
        "Name",
        filters=[_stripped],
        validators=[
            DataRequired("Enter the tool's name."),
            Length(max=MAX_TOOL_NAME, message=f"At most {MAX_TOOL_NAME} characters."),
            tool_name_rule,
        ],
        description="As people know it, e.g. “Chat assistant (company account)”.",
    )
    purpose = StringField(
        "What it is for",
        filters=[_stripped],
        validators=[DataRequired("Say what the tool is for."), Length(max=300)],
    )
    data_public = RadioField(DATA_CLASSES["public"], choices=_choices(ALLOWANCES))
    data_internal = RadioField(DATA_CLASSES["internal"], choices=_choices(ALLOWANCES))
    data_confidential = RadioField(DATA_CLASSES["confidential"], choices=_choices(ALLOWANCES))
    data_personal = RadioField(DATA_CLASSES["personal"], choices=_choices(ALLOWANCES))
    access = TextAreaField(
        "How to get access",
        filters=[_stripped],
        validators=[DataRequired("Say how people get access."), Length(max=500)],
    )
    owner_email = EmailField(
        "Owner's email",
        filters=[_stripped],
        validators=[Optional(), Email("Enter an email address."), Length(max=254)],
        description="The person who answers questions about this tool (optional).",
    )
    licence = SelectField("Licence", choices=_choices(LICENCES))
    notes = TextAreaField("Notes", filters=[_stripped], validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Save")

    def allowances(self) -> dict[str, str]:
        return {data_class: getattr(self, f"data_{data_class}").data for data_class in DATA_CLASSES}

    def data_fields(self) -> list[Any]:
        return [getattr(self, f"data_{data_class}") for data_class in DATA_CLASSES]


def http_url(_form: Any, field: Any) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    odd = any(char.isspace() or char in '"<>\\`' for char in field.data)
    if parts.scheme not in {"http", "https"} or not parts.netloc or odd:
        raise ValidationError("Enter a full web address starting with https:// (or http://).")


class SettingsForm(Form):
    policy_url = StringField(
        "Address of the AI policy",
        filters=[_stripped],
        validators=[Optional(), Length(max=500), http_url],
        description="A web address, e.g. https://intranet.example.com/ai-policy.",
    )
    policy_title = StringField(
        "How courses name it",
        filters=[_stripped],
        validators=[Optional(), Length(max=120)],
        description="Read inside a sentence, e.g. “the AI use policy” (the default).",
    )
    contact_name = StringField(
        "AI contact: name",
        filters=[_stripped],
        validators=[Optional(), Length(max=120)],
        description="A person or a team, e.g. “the AI programme team”.",
    )
    contact_email = EmailField(
        "AI contact: email",
        filters=[_stripped],
        validators=[Optional(), Email("Enter an email address."), Length(max=254)],
    )
    contact_channel = StringField(
        "AI contact: chat channel",
        filters=[_stripped],
        validators=[Optional(), Length(max=120)],
        description="e.g. “#ask-ai in the team chat”. An email, a channel or both.",
    )
    data_card_markdown = TextAreaField(
        "Data-classification card",
        filters=[_stripped],
        validators=[Optional(), Length(max=4000, message="Keep the card under 4,000 characters.")],
        description="Which classes of data exist and what may go where, in a few lines. "
        "Markdown: **bold**, lists, links.",
    )
    submit = SubmitField("Save settings")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.contact_name.data and not (self.contact_email.data or self.contact_channel.data):
            self.contact_email.errors = [
                *self.contact_email.errors,
                "Give an email or a chat channel for the contact.",
            ]
            valid = False
        if (self.contact_email.data or self.contact_channel.data) and not self.contact_name.data:
            self.contact_name.errors = [*self.contact_name.errors, "Name the contact too."]
            valid = False
        return valid


class OwnerForm(Form):
    email = EmailField(
        "Email",
        filters=[_stripped],
        validators=[
            DataRequired("Enter the person's email."),
            Email("Enter an email address."),
            Length(max=254),
        ],
    )
    submit = SubmitField("Add")


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""

    submit = SubmitField("Go")


class ReportForm(Form):
    kind = RadioField(
        "What would you like to tell us?",
        choices=_choices(REPORT_KINDS),
        default="use",
        validators=[InputRequired("Choose one.")],
    )
    tool = SelectField("Which tool?", validators=[InputRequired("Choose a tool.")])
    other_name = StringField(
        "Its name, if it is not in the list",
        filters=[_stripped],
        validators=[Optional(), Length(max=MAX_TOOL_NAME), tool_name_rule],
    )
    frequency = RadioField(
        "How often do you use it (or would you)?",
        choices=_choices(FREQUENCIES),
        validators=[InputRequired("Choose how often.")],
    )
    pays = RadioField(
        "Do you pay for it yourself? Roughly how much?",
        choices=_choices(PAY_BANDS),
        validators=[InputRequired("Choose an amount, or “Nothing”.")],
    )
    reason = TextAreaField(
        "Why? What do you use it for, or what would it help with?",
        filters=[_stripped],
        validators=[
            DataRequired("Tell us in a few words why."),
            Length(max=1000, message="Keep it under 1,000 characters."),
        ],
    )
    submit = SubmitField("Send")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        if self.tool.data == OTHER_TOOL and not self.other_name.data:
            self.other_name.errors = [*self.other_name.errors, "Type the tool's name."]
            valid = False
        return valid


class TriageForm(Form):
    status = SelectField("Status", choices=_choices(STATUSES))
    response = TextAreaField(
        "Answer to the person",
        filters=[_stripped],
        validators=[Optional(), Length(max=1000, message="Keep it under 1,000 characters.")],
        description="The reason, the conditions, or any words for them. They will read it.",
    )
    covered_by = SelectField("Covered by", choices=[])
    submit = SubmitField("Save and tell them")

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        valid = super().validate(extra_validators)
        needed = NEEDS_RESPONSE.get(self.status.data)
        if needed and not self.response.data:
            self.response.errors = [*self.response.errors, needed]
            valid = False
        if self.status.data == "covered" and not self.covered_by.data:
            self.covered_by.errors = [
                *self.covered_by.errors,
                "Choose the approved tool that already covers it.",
            ]
            valid = False
        return valid
