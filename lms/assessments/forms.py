"""Forms for answering scenes and grading written answers."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .attempts import MAX_ANSWER_LENGTH


class StepForm(FlaskForm):
    """Which scene, at which position, is being answered: the key to idempotent steps."""

    position = HiddenField(validators=[DataRequired()])
    scene = HiddenField(validators=[DataRequired()])


class ChoiceForm(StepForm):
    choice = RadioField(
        "Your response",
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message="Please choose one of the responses.")],
    )


class WrittenForm(StepForm):
    answer = TextAreaField(
        "Your answer",
        validators=[
            DataRequired(message="Please write your answer before you continue."),
            Length(max=MAX_ANSWER_LENGTH),
        ],
    )


class GradeForm(FlaskForm):
    comment = TextAreaField("Comment for the trainee (optional)", validators=[Optional(), Length(max=5000)])


def criterion_field(text: str, points: int) -> IntegerField:
    """A score for one rubric line, labelled with the line's words so errors name what the grader sees."""
    return IntegerField(
        f"{text} (0 to {points})",
        validators=[
            InputRequired(message="Give a score for this criterion."),
            NumberRange(min=0, max=points, message=f"Use a whole number from 0 to {points}."),
        ],
    )
