"""Trainer forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..formats import strip as _strip


class CohortForm(FlaskForm):
    name = StringField(
        "Cohort name",
        filters=[_strip],
        description="For example: Spring 2027, Tuesday evenings",
        validators=[DataRequired(), Length(max=120)],
    )
    course = SelectField("Course", validate_choice=True)
    starts_on = DateField("Start date", validators=[DataRequired(message="Please give a date (YYYY-MM-DD).")])
    ends_on = DateField("End date", validators=[DataRequired(message="Please give a date (YYYY-MM-DD).")])


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file: email, display name, legal name (one trainee per row)",
        validators=[
            FileRequired("Please choose a CSV file."),
            FileAllowed(["csv", "txt"], "Please upload a .csv file."),
        ],
    )


class SessionForm(FlaskForm):
    title = StringField("What the session covered", filters=[_strip], validators=[DataRequired(), Length(max=200)])
    held_on = DateField("Date", validators=[DataRequired(message="Please give a date (YYYY-MM-DD).")])
    minutes = IntegerField("Length in minutes", validators=[DataRequired(), NumberRange(min=1, max=960)])
    domain = SelectField("Counts towards", validate_choice=True)
    attendees = SelectMultipleField("Who attended", coerce=int, validate_choice=True, validators=[Optional()])


class OverrideForm(FlaskForm):
    kind = SelectField("Override", validate_choice=True)
    target = SelectField("Module or role-play", validate_choice=True)
    reason = TextAreaField("Reason (kept in the audit log)", validators=[DataRequired(), Length(max=1000)])


class InviteForm(FlaskForm):
    trainees = SelectMultipleField(
        "Who gets a link",
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(message="Choose at least one trainee.")],
    )
    days = IntegerField(
        "Days the links work",
        default=14,
        description="From 1 to 30 days: long enough for your class to start.",
        validators=[
            DataRequired(message="Give a number of days from 1 to 30."),
            NumberRange(min=1, max=30, message="Give a number of days from 1 to 30."),
        ],
    )
