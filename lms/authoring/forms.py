"""Forms of the author workspace. Each one carries the CSRF token."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.courses.format import MAX_MARKDOWN_BYTES
from lms.inputs import Form

TOO_LARGE = f"A file can be at most {MAX_MARKDOWN_BYTES // 1024} KB: split it into several modules."


class NewCourseForm(Form):
    slug = StringField(
        "Course name",
        id="new-slug",
        validators=[DataRequired(), Length(max=100)],
        description="The course's folder name: a-z, 0-9 and hyphens, e.g. checking-ai-output.",
    )


class UploadForm(Form):
    file = FileField(
        "Course folder as a zip",
        id="upload-file",
        validators=[FileRequired(), FileAllowed(["zip"], "Upload a .zip file.")],
    )
    slug = StringField(
        "Course name (optional)",
        id="upload-slug",
        validators=[Optional(), Length(max=100)],
        description="Leave empty when the zip holds the course folder itself.",
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
