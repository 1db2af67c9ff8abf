"""Register, sign in, sign out, change password."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from .forms import ChangePasswordForm, LoginForm, RegisterForm
from .operations import authenticate, change_password, create_user, end_sessions, find_user
from .passwords import verify_password

bp = Blueprint("auth", __name__, url_prefix="/account")


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute URL or a scheme-relative '//host'."""
    if not target:
        return url_for("courses.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("courses.dashboard")
    return target


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        if find_user(form.email.data) is None:
            try:
                user = create_user(form.email.data, form.password.data, form.display_name.data, form.legal_name.data)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
            else:
                login_user(user)
                flash("Welcome! Your account is ready.", "success")
                return redirect(url_for("courses.catalogue"))
        form.email.errors.append("An account with this email already exists. Try signing in instead.")
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("That email and password do not match an account. Check both and try again.")
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("web.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if verify_password(current_user.password_hash, form.current.data):
            user = current_user._get_current_object()
            change_password(user, form.password.data)
            db.session.commit()
            login_user(user)  # a fresh session carrying the new session version
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("courses.dashboard"))
        form.current.errors.append("That is not your current password.")
    return render_template("auth/password.html", form=form), 200 if request.method == "GET" else 422
