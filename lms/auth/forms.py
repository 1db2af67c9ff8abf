"""Sign-up, sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..formats import strip as _strip
from .passwords import MAX_LENGTH, password_problem


def _new_password(form, field):
    problem = password_problem(
        field.data or "",
        getattr(form, "email", None) and form.email.data or "",
        getattr(form, "display_name", None) and form.display_name.data or "",
    )
    if problem:
        raise ValidationError(problem)


class RegisterForm(FlaskForm):
    email = EmailField(
        "Email address",
        filters=[_strip],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    display_name = StringField(
        "Name to show on the site",
        description="What you like to be called, for example your first name.",
        filters=[_strip],
        validators=[DataRequired(), Length(max=100)],
    )
    legal_name = StringField(
        "Full legal name",
        description="Printed on your certificates exactly as you type it. You can change it later.",
        filters=[_strip],
        validators=[DataRequired(), Length(max=200)],
    )
    password = PasswordField(
        "Password",
        description="At least 8 characters. A short sentence works well.",
        validators=[DataRequired(), _new_password],
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )
    privacy = BooleanField(
        "I have read the privacy notice and agree to how my information is used.",
        validators=[DataRequired(message="Please read and accept the privacy notice to create an account.")],
    )
    submit = SubmitField("Create my account")


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Name to show on the site",
        description="What you like to be called, for example your first name.",
        filters=[_strip],
        validators=[DataRequired(message="Please enter the name to show on the site."), Length(max=100)],
    )
    legal_name = StringField(
        "Full legal name",
        description="Printed on certificates you claim from now on.",
        filters=[_strip],
        validators=[DataRequired(message="Please enter your full legal name."), Length(max=200)],
    )
    submit = SubmitField("Save my details")


class LoginForm(FlaskForm):
    email = EmailField("Email address", filters=[_strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    remember = BooleanField("Keep me signed in on this device (trainees; not on a shared computer)")
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField(
        "New password",
        description="At least 8 characters. A short sentence works well.",
        validators=[DataRequired(), _new_password],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )
    submit = SubmitField("Change password")


class ForgotForm(FlaskForm):
    email = EmailField("Email address", filters=[_strip], validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class ResetForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 8 characters. A short sentence works well.",
        validators=[DataRequired(), _new_password],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
    )
    submit = SubmitField("Set my new password")


class CodeForm(FlaskForm):
    code = StringField(
        "6-digit code from your authenticator app",
        filters=[_strip],
        validators=[DataRequired(message="Please type the 6-digit code."), Length(max=12)],
    )
    submit = SubmitField("Continue")


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Turn off two-factor sign-in")


class StartTwoFactorForm(FlaskForm):
    submit = SubmitField("Show my set-up code")


class AcceptPrivacyForm(FlaskForm):
    privacy = BooleanField(
        "I have read the privacy notice and agree to how my information is used.",
        validators=[DataRequired(message="Please read and accept the privacy notice to continue.")],
    )
    submit = SubmitField("Continue")
