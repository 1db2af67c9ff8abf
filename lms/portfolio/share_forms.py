"""Forms for sharing a portfolio and for a supervisor's decision."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .share import DEFAULT_DAYS, MAX_DAYS


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (pre-validation off: choices are checked by the operation)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        values = {str(value) for value, _ in self.choices or ()}
        self.data = [d for d in self.data or () if d in values]


class ShareForm(FlaskForm):
    label = StringField(
        "Name this link",
        validators=[Optional(), Length(max=200)],
        description="For you, to tell your links apart, e.g. “State board application, March”.",
    )
    days = IntegerField(
        "Days the link stays open",
        default=DEFAULT_DAYS,
        validators=[
            InputRequired("Say how many days the link stays open."),
            NumberRange(1, MAX_DAYS, f"Choose from 1 to {MAX_DAYS} days."),
        ],
    )
    requirements = CheckboxesField("Requirements (hours verified so far)")
    entries = CheckboxesField("Confirmed entries")
    certificates = CheckboxesField("Course certificates")
    certification = BooleanField("Show my board certificate number and date")


class DecisionForm(FlaskForm):
    comment = TextAreaField(
        "Comment (required to decline)",
        validators=[Length(max=2000)],
        description="The trainee sees it. Say what to correct when you decline.",
    )
