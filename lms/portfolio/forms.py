"""Portfolio forms: experience, supervision, outside training and CE (with evidence), exam, certification, reviews."""

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clock import utcnow
from ..formats import collapse_spaces, strip
from .evidence import ALLOWED
from .progress import DOMAIN_LABELS

DATE_MESSAGE = "Please give a date (YYYY-MM-DD)."
#: boards do not look back further than this; it also keeps typing slips (year 0202) out
EARLIEST = date(1980, 1, 1)


def _past(form, field):
    if field.data is not None and field.data > utcnow().date():
        raise ValidationError("This date is in the future: give the date it happened.")
    if field.data is not None and field.data < EARLIEST:
        raise ValidationError("Please check the year of this date.")


def _hours(label: str, required: bool = True, description: str | None = None, low: str = "0.25") -> DecimalField:
    checks = [InputRequired(message="Please enter the hours.")] if required else [Optional()]
    return DecimalField(
        label,
        places=2,
        description=description,
        validators=checks
        + [NumberRange(min=Decimal(low), max=Decimal(1000), message=f"Please enter hours between {low} and 1000.")],
    )


class ChooseForm(FlaskForm):
    pathway = SelectField("Credential", validators=[DataRequired(message="Please choose a credential.")])


class _SupervisorFields(FlaskForm):
    supervisor_name = StringField(
        "Your supervisor's name",
        filters=[collapse_spaces],
        validators=[DataRequired(message="Please enter your supervisor's name."), Length(max=200)],
    )
    supervisor_email = EmailField(
        "Your supervisor's email address",
        filters=[strip],
        description="They are asked to confirm this entry. Nothing counts until they do.",
        validators=[
            DataRequired(message="Please enter your supervisor's email address."),
            Email(check_deliverability=False, message="Please enter a valid email address."),
            Length(max=254),
        ],
    )


class ExperienceForm(_SupervisorFields):
    worked_on = DateField("Date", validators=[DataRequired(message=DATE_MESSAGE), _past])
    hours = DecimalField(
        "Hours worked",
        places=2,
        description="For example 7.5 for seven and a half hours.",
        validators=[
            InputRequired(message="Please enter the hours."),
            NumberRange(
                min=Decimal("0.25"), max=Decimal(24), message="Please enter between 0.25 and 24 hours (one day's work)."
            ),
        ],
    )
    setting = StringField(
        "Where",
        description="For example: peer-run drop-in centre, crisis warm line.",
        filters=[collapse_spaces],
        validators=[DataRequired(message="Please say where you worked."), Length(max=200)],
    )
    activity = TextAreaField(
        "What you did",
        filters=[strip],
        validators=[DataRequired(message="Please describe what you did."), Length(max=2000)],
    )


class SupervisionForm(_SupervisorFields):
    held_on = DateField("Date", validators=[DataRequired(message=DATE_MESSAGE), _past])
    minutes = IntegerField(
        "Length in minutes",
        validators=[
            InputRequired(message="Please enter the length in minutes."),
            NumberRange(min=5, max=600, message="Please enter between 5 and 600 minutes."),
        ],
    )
    format = RadioField(
        "Format",
        choices=[SelectChoice("individual", "One to one"), SelectChoice("group", "In a group")],
        default="individual",
        validators=[DataRequired(message="Please choose the format.")],
    )
    notes = TextAreaField("What you discussed (optional)", filters=[strip], validators=[Optional(), Length(max=2000)])


class _EvidenceFields(FlaskForm):
    title = StringField(
        "Name of the training",
        filters=[collapse_spaces],
        validators=[DataRequired(message="Please enter the name of the training."), Length(max=200)],
    )
    provider = StringField(
        "Who provided it",
        filters=[collapse_spaces],
        validators=[DataRequired(message="Please enter who provided the training."), Length(max=200)],
    )
    completed_on = DateField("Date completed", validators=[DataRequired(message=DATE_MESSAGE), _past])
    evidence = FileField(
        "Certificate or proof of attendance",
        description=f"Upload {ALLOWED}, up to 5 MB. Only you and your trainers can open it.",
        validators=[FileRequired(message="Please choose the file of your certificate.")],
    )


class OutsideTrainingForm(_EvidenceFields):
    advocacy = _hours(DOMAIN_LABELS["advocacy"], required=False, low="0")
    mentoring = _hours(DOMAIN_LABELS["mentoring"], required=False, low="0")
    recovery_wellness = _hours(DOMAIN_LABELS["recovery-wellness"], required=False, low="0")
    ethics = _hours(DOMAIN_LABELS["ethics"], required=False, low="0")
    total = _hours(
        "Hours not split by domain",
        required=False,
        low="0",
        description="Only if the certificate gives a total without domains.",
    )

    DOMAIN_FIELDS = {
        "advocacy": "advocacy",
        "mentoring": "mentoring",
        "recovery-wellness": "recovery_wellness",
        "ethics": "ethics",
        "total": "total",
    }

    def hours_by_domain(self) -> dict[str, float]:
        return {domain: float(self[name].data) for domain, name in self.DOMAIN_FIELDS.items() if self[name].data}

    def validate(self, extra_validators=None) -> bool:
        # Not validate_total: an empty optional field stops its own checks, and "all empty" is the case to catch.
        valid = super().validate(extra_validators)
        if not any(self[name].errors for name in self.DOMAIN_FIELDS.values()) and not self.hours_by_domain():
            self.advocacy.errors = list(self.advocacy.errors) + [
                "Please enter the hours of this training, in at least one domain."
            ]
            return False
        return valid


class ContinuingEducationForm(_EvidenceFields):
    hours = _hours("Hours")
    ethics_hours = _hours(
        "Of which ethics", required=False, low="0", description="The part of those hours on ethics, if any."
    )

    def validate_ethics_hours(self, field):
        if field.data and self.hours.data is not None and field.data > self.hours.data:
            raise ValidationError("The ethics hours are part of the hours, so they cannot be more.")


class ExamForm(FlaskForm):
    taken_on = DateField("Date of the exam", validators=[DataRequired(message=DATE_MESSAGE), _past])
    passed = RadioField(
        "Result",
        choices=[SelectChoice("yes", "Passed"), SelectChoice("no", "Not passed")],
        validators=[DataRequired(message="Please choose the result.")],
    )


class CertificationForm(FlaskForm):
    certificate_number = StringField(
        "Certificate number",
        filters=[collapse_spaces],
        description="As printed on the board's certificate.",
        validators=[DataRequired(message="Please enter the certificate number."), Length(max=100)],
    )
    certified_on = DateField("Date certified (or last renewed)", validators=[DataRequired(message=DATE_MESSAGE), _past])


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("accept", "Accept"), SelectChoice("decline", "Decline")],
        validators=[DataRequired(message="Please choose accept or decline.")],
    )
    comment = TextAreaField(
        "Comment (shown to the trainee; required to decline)", filters=[strip], validators=[Length(max=2000)]
    )

    def validate_comment(self, field):
        if self.decision.data == "decline" and not field.data:
            raise ValidationError("Please say why you decline it, so the trainee knows what to fix.")


class ConfirmForm(FlaskForm):
    """A button that changes something (delete, stop tracking): only the CSRF token."""
