"""Publishing forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length

from .operations import NOTE_MAX


class UploadForm(FlaskForm):
    archive = FileField(
        "A .zip of one module folder, or of the whole content folder",
        validators=[FileRequired("Choose a .zip file to upload.")],
    )


class PublishForm(FlaskForm):
    note = TextAreaField(
        "What's new (optional)",
        validators=[Length(max=NOTE_MAX)],
        description="Shown once to each trainee on their dashboard, e.g. “A new module, "
        "Looking After Yourself, is in Peer Specialist Core Training.”",
    )
