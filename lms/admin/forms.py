"""Admin forms."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class RoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=[
            SelectChoice("trainee", "Trainee"),
            SelectChoice("trainer", "Trainer"),
            SelectChoice("admin", "Admin"),
            SelectChoice("supervisor", "Supervisor"),
        ],
    )
    reason = TextAreaField("Reason (kept in the audit log)", validators=[DataRequired(), Length(max=1000)])


class ActiveForm(FlaskForm):
    reason = TextAreaField("Reason (kept in the audit log)", validators=[DataRequired(), Length(max=1000)])


class AuthorForm(FlaskForm):
    reason = TextAreaField("Reason (kept in the audit log)", validators=[DataRequired(), Length(max=1000)])
