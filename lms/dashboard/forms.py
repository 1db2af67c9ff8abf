"""The trainee's forms outside a course: joining a cohort, their account details."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..formats import strip as _strip


class JoinForm(FlaskForm):
    code = StringField("Join code from your trainer", filters=[_strip], validators=[DataRequired(), Length(max=16)])
