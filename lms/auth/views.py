"""Register, sign in (with optional two-factor codes), sign out, change or reset a password."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db, limiter
from ..settings import staff_two_factor_required
from .mail import deliver_after, request_reset
from .forms import ChangePasswordForm, CodeForm, DisableTwoFactorForm, ForgotForm, LoginForm, RegisterForm, ResetForm
from .models import User
from .operations import authenticate, change_password, create_user, end_sessions, find_reset, find_user, use_reset
from .passwords import hash_password, verify_password
from .twofactor import accept, new_secret, provisioning

bp = Blueprint("auth", __name__, url_prefix="/account")
REGISTERED = ("Thank you. If this email address was new, your account is ready: sign in below. "
              "If it already had an account, sign in with that password, or reset it.")
RESET_SENT = ("If an account uses that email address, we have sent it a link to set a new password. "
              "The link works once, for two hours. No email? Ask your trainer for a reset link.")


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute URL, a scheme-relative '//host', or control characters."""
    if not target or not target.isprintable():  # CR/LF, NUL, tab...: never part of a path we link to
        return url_for("courses.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("courses.dashboard")
    return target


def _start_session(user: User, remember: bool) -> None:
    """A fresh session at sign-in: nothing from before signing in carries over."""
    session.clear()
    login_user(user, remember=remember)
    audit.record("auth.login", f"user:{user.id}", actor_id=user.id)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def register():
    """The answer is the same for a new and a known email, so registration reveals nobody's account."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        if find_user(form.email.data) is None:
            try:
                user = create_user(form.email.data, form.password.data, form.display_name.data, form.legal_name.data,
                                   privacy_accepted=True)
                audit.record("auth.registered", f"user:{user.id}", actor_id=user.id)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
        else:
            hash_password(form.password.data)  # the same work as a real registration
        flash(REGISTERED, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None and user.two_factor:
            db.session.commit()
            session.clear()
            session["2fa"] = {"user": user.get_id(), "remember": bool(form.remember.data),
                              "next": safe_next(request.args.get("next"))}
            return redirect(url_for("auth.two_factor"))
        if user is not None:
            _start_session(user, form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        db.session.commit()  # keep the audit record of the failure
        form.password.errors.append("That email and password do not match an account. Check both and try again.")
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def two_factor():
    pending = session.get("2fa")
    if not pending:
        return redirect(url_for("auth.login"))
    ident, _, version = pending["user"].partition(":")
    user = db.session.get(User, int(ident)) if ident.isdigit() else None
    if user is None or str(user.session_version) != version or not user.active or not user.two_factor:
        session.pop("2fa", None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        step = accept(user.totp_secret, form.code.data, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            _start_session(user, pending["remember"])
            db.session.commit()
            return redirect(pending["next"])
        audit.record("auth.code_failed", f"user:{user.id}", actor_id=user.id)
        db.session.commit()
        form.code.errors.append("That code is not right or has already been used. Wait for the next code and try again.")
    return render_template("auth/code.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user)
        audit.record("auth.logout", f"user:{current_user.id}")
        db.session.commit()
    logout_user()
    session.clear()
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
    return render_template("auth/password.html", form=form, disable_form=DisableTwoFactorForm(prefix="off"),
                           two_factor_required=staff_two_factor_required(current_app.config)), \
        200 if request.method == "GET" else 422


@bp.route("/data.json")
@login_required
def my_data():
    """Everything held about the signed-in person, as a JSON download."""
    import json

    from flask import Response

    from ..operations import export

    body = json.dumps(export(current_user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-training-data.json"'})


@bp.route("/delete", methods=["POST"])
@login_required
def delete_account():
    """Close the account: answers and progress are deleted; certificates stay verifiable."""
    from ..database import wipe_freed_pages
    from ..operations import AccountError
    from ..operations import delete_account as delete

    form = DisableTwoFactorForm()
    if not form.validate_on_submit() or not verify_password(current_user.password_hash, form.password.data):
        flash("That is not your password; your account has not been closed.", "error")
        return redirect(url_for("auth.password"))
    user = current_user._get_current_object()
    try:
        delete(user, actor_id=user.id)
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.password"))
    logout_user()
    db.session.commit()
    wipe_freed_pages()  # the deleted answers leave the database file's free pages and write-ahead log too
    session.clear()
    flash("Your account is closed and your answers are deleted. Your certificates can still be verified.", "info")
    return redirect(url_for("web.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def forgot():
    """The same answer, and the same work, whether or not the email has an account: the address is
    queued, and delivery (after the response) finds out whether there is anyone to send a link to."""
    form = ForgotForm()
    if form.validate_on_submit():
        request_reset(form.email.data)
        db.session.commit()
        flash(RESET_SENT, "info")
        return deliver_after(redirect(url_for("auth.login")))
    return render_template("auth/forgot.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def reset(token: str):
    found = find_reset(token)
    if found is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetForm()
    if form.validate_on_submit():
        user = use_reset(found, form.password.data)
        db.session.commit()
        if user is not None:
            flash("Your new password is set, and every device was signed out. Please sign in.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Staff turn on two-factor sign-in: scan the QR code, then confirm one code."""
    if not current_user.is_staff:
        abort(403)
    if current_user.two_factor:
        return redirect(url_for("auth.password"))
    secret = session.get("2fa_setup") or new_secret()
    session["2fa_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        step = accept(secret, form.code.data, None)
        if step is not None:
            user = current_user._get_current_object()
            user.totp_secret, user.totp_last_step = secret, step
            session.pop("2fa_setup", None)
            audit.record("auth.two_factor_enabled", f"user:{user.id}")
            db.session.commit()
            flash("Two-factor sign-in is on. You will be asked for a code each time you sign in.", "success")
            return redirect(url_for("courses.dashboard"))
        form.code.errors.append("That code is not right. Check the time on your phone and try the next code.")
    uri, qr = provisioning(secret, current_user.email)
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, qr=qr,
                           required=staff_two_factor_required(current_app.config)), \
        200 if request.method == "GET" else 422


@bp.route("/two-factor/off", methods=["POST"])
@login_required
def two_factor_off():
    form = DisableTwoFactorForm(prefix="off")
    if current_user.is_staff and staff_two_factor_required(current_app.config):
        flash("Two-factor sign-in is required for staff accounts here, so it cannot be turned off.", "error")
        return redirect(url_for("auth.password"))
    if form.validate_on_submit() and verify_password(current_user.password_hash, form.password.data):
        user = current_user._get_current_object()
        user.totp_secret = user.totp_last_step = None
        audit.record("auth.two_factor_disabled", f"user:{user.id}")
        db.session.commit()
        flash("Two-factor sign-in is off.", "info")
    else:
        flash("That is not your password; two-factor sign-in is still on.", "error")
    return redirect(url_for("auth.password"))
