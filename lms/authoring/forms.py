"""Forms of the author workspace. Each one carries the CSRF token."""

import re
import unicodedata

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.courses.format import MAX_MARKDOWN_BYTES
from lms.courses.questions import SLUG_RE
from lms.inputs import Form

TOO_LARGE = f"A file can be at most {MAX_MARKDOWN_BYTES // 1024} KB: split it into several modules."


WEB_NAME_HINT = (
    "Used in the course's web address, e.g. /courses/prompting-basics. Lowercase letters, "
    "numbers and hyphens; it can't be changed later."
)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def web_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a course's web address name, in words, with a suggestion."""
    if SLUG_RE.match(name):
        return None
    message = (
        "Use only lowercase letters, numbers and hyphens between words (no spaces, capitals "
        "or accents)"
    )
    suggestion = suggested_web_name(name)
    return f"{message}: for example “{suggestion}”." if suggestion else f"{message}."


def suggested_web_name(text: str) -> str:
    """``"Prompting Basics!"`` -> ``"prompting-basics"`` (accents dropped); "" if none is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:100].strip("-")


def _web_name(form: Form, field: Field) -> None:
    problem = web_name_problem(field.data or "") if field.data else None
    if problem:
        raise ValidationError(problem)


class NewCourseForm(Form):
    slug = StringField(
        "Web address name",
        id="new-slug",
        filters=[_strip],
        validators=[
            DataRequired("Choose the course's web address name."),
            Length(max=100),
            _web_name,
        ],
        description=WEB_NAME_HINT,
    )


class UploadForm(Form):
    file = FileField(
        "Course folder as a zip",
        id="upload-file",
        validators=[FileRequired(), FileAllowed(["zip"], "Upload a .zip file.")],
    )
    slug = StringField(
        "Web address name (optional)",
        id="upload-slug",
        filters=[_strip],
        validators=[Optional(), Length(max=100), _web_name],
        description="Leave it empty when the zip holds the course folder: the folder's name is "
        f"used. {WEB_NAME_HINT}",
    )


class ReplaceForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    file = FileField(
        "Replace the draft with a zip",
        id="replace-file",
        validators=[FileRequired(), FileAllowed(["zip"], "Upload a .zip file.")],
    )


class AddFileForm(Form):
    path = StringField(
        "New file",
        id="add-path",
        validators=[DataRequired(), Length(max=120)],
        description="A module is NN-<slug>.md, e.g. 03-checking-sources.md; or quiz.md.",
    )


class AssetForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    file = FileField("Image or attachment", id="asset-file", validators=[FileRequired()])


class EditorForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    text = TextAreaField(
        "Markdown", id="editor", validators=[Length(max=MAX_MARKDOWN_BYTES, message=TOO_LARGE)]
    )


class PreviewForm(Form):
    """What the editor's script posts for a live preview."""

    path = HiddenField(validators=[DataRequired(), Length(max=300)])
    text = TextAreaField(validators=[Length(max=MAX_MARKDOWN_BYTES, message=TOO_LARGE)])


class PathActionForm(Form):
    path = HiddenField(validators=[DataRequired(), Length(max=300)])


class ActionForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    """A button that changes state: a POST with its CSRF token and nothing else."""
