"""Forms: claiming a certificate, managing one, verifying one."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..formats import collapse_spaces as _strip


class ClaimForm(FlaskForm):
    holder_name = StringField("Your full legal name, as it will be printed", filters=[_strip],
                              description="Check the spelling: this is the name boards and employers will see.",
                              validators=[DataRequired(), Length(max=200)])
    typed_name = StringField("Type your full legal name to sign", filters=[_strip],
                             description="Typing your name here is your signature.", validators=[Length(max=200)])
    confirm = BooleanField("I have read the text above and agree to uphold it.")

    def __init__(self, *args, attestation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.attestation = attestation

    def validate_typed_name(self, field):
        if self.attestation and not field.data:
            raise ValidationError("Please type your full legal name to sign.")
        if self.attestation and field.data.casefold() != (self.holder_name.data or "").casefold():
            raise ValidationError("The name you sign with must match the name to be printed.")

    def validate_confirm(self, field):
        if self.attestation and not field.data:
            raise ValidationError("Please confirm that you agree.")


class StatusForm(FlaskForm):
    action = SelectField("Action", choices=[SelectChoice("suspend", "Suspend"), SelectChoice("reinstate", "Reinstate"),
                                                SelectChoice("revoke", "Revoke")])
    reason = TextAreaField("Reason (shown to the holder, and kept in the audit log)",
                           validators=[DataRequired(), Length(max=2000)])
    confirm = BooleanField("I understand that revoking cannot be undone",
                           description="Needed only to revoke. A revoked certificate verifies as revoked for good; "
                                       "a suspension can be lifted.")

    def validate_confirm(self, field):
        if self.action.data == "revoke" and not field.data:
            raise ValidationError("Tick the box to confirm that you want to revoke this certificate.")


class ReissueForm(FlaskForm):
    holder_name = StringField("Name to print on the corrected certificate", filters=[_strip],
                              validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField("What is being corrected, and why (shown to the holder)",
                           validators=[DataRequired(), Length(max=2000)])


class RecertifyForm(FlaskForm):
    reason = TextAreaField("Why this person may earn a new certificate (kept in the audit log)",
                           validators=[DataRequired(), Length(max=2000)])


class DecisionForm(FlaskForm):
    reason = TextAreaField("Reason (required to decline; shown to the trainee)", validators=[Length(max=2000)])


class BulkForm(FlaskForm):
    file = FileField("CSV file of certificate IDs", description="One ID per row, in the first column. Up to 1,000 IDs.",
                     validators=[FileRequired("Please choose a CSV file."), FileAllowed(["csv", "txt"], "Please upload a .csv file.")])
