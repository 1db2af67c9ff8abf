"""Forms: claiming a certificate, managing one, verifying one."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..formats import collapse_spaces as _strip


class ClaimForm(FlaskForm):
    """The name is asked once: it is printed on the certificate and, with the tick, is the attestation's signature."""

    holder_name = StringField(
        "Your full legal name, as it will be printed",
        filters=[_strip],
        description="Check the spelling: this is the name boards and employers will see.",
        validators=[DataRequired(message="Please enter your full legal name."), Length(max=200)],
    )
    confirm = BooleanField("I have read and agree to the Code of Ethics")

    def __init__(self, *args, attestation_title: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attestation = attestation_title is not None
        self.attestation_title = attestation_title or "Code of Ethics"
        if attestation_title:
            self.confirm.label.text = f"I have read and agree to the {attestation_title}"
            self.holder_name.description = (
                "Check the spelling: this is the name boards and employers will see. "
                f"When you tick the box below, it is also your signature on the {attestation_title}."
            )

    def validate_confirm(self, field):
        if self.attestation and not field.data:
            raise ValidationError(
                f"Tick the box to confirm that you have read and agree to the {self.attestation_title}."
            )


class StatusForm(FlaskForm):
    action = SelectField(
        "Action",
        choices=[
            SelectChoice("suspend", "Suspend"),
            SelectChoice("reinstate", "Reinstate"),
            SelectChoice("revoke", "Revoke"),
        ],
    )
    reason = TextAreaField(
        "Reason (shown to the holder, and kept in the audit log)", validators=[DataRequired(), Length(max=2000)]
    )
    confirm = BooleanField(
        "I understand that revoking cannot be undone",
        description="Needed only to revoke. A revoked certificate verifies as revoked for good; "
        "a suspension can be lifted.",
    )

    def validate_confirm(self, field):
        if self.action.data == "revoke" and not field.data:
            raise ValidationError("Tick the box to confirm that you want to revoke this certificate.")


class ReissueForm(FlaskForm):
    holder_name = StringField(
        "Name to print on the corrected certificate", filters=[_strip], validators=[DataRequired(), Length(max=200)]
    )
    reason = TextAreaField(
        "What is being corrected, and why (shown to the holder)", validators=[DataRequired(), Length(max=2000)]
    )


class RecertifyForm(FlaskForm):
    reason = TextAreaField(
        "Why this person may earn a new certificate (kept in the audit log)",
        validators=[DataRequired(), Length(max=2000)],
    )


class DecisionForm(FlaskForm):
    reason = TextAreaField("Reason (required to decline; shown to the trainee)", validators=[Length(max=2000)])


class BulkForm(FlaskForm):
    file = FileField(
        "CSV file of certificate IDs",
        description="One ID per row, in the first column. Up to 1,000 IDs.",
        validators=[
            FileRequired("Please choose a CSV file."),
            FileAllowed(["csv", "txt"], "Please upload a .csv file."),
        ],
    )
