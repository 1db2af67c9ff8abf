"""Register, sign in (with optional two-factor codes), sign out, change or reset a password."""

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..mail import deliver_after
from ..site_settings import staff_two_factor_required
from ..urls import safe_next
from . import operations, sessions, throttle
from .api import account
from .forms import (
    AcceptPrivacyForm,
    ChangePasswordForm,
    CodeForm,
    DisableTwoFactorForm,
    ForgotForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    StartTwoFactorForm,
)
from .messages import request_reset, tell_owner_of_registration
from .models import User
from .operations import authenticate, change_password, find_reset, find_user, normalise_email, use_reset
from .passwords import hash_password, verify_password
from .twofactor import accept, new_secret, provisioning

bp = Blueprint("auth", __name__, url_prefix="/account")
SIGNED_UP = "Your account is ready, and you are signed in."
#: session keys that survive signing in: a cohort invitation seen while signed out (set by the join page),
#: so the join it was for can finish afterwards
KEPT_AT_SIGN_IN = ("invite",)
REGISTERED = (
    "Thank you. If this email address was new, your account is ready: sign in below. "
    "If it already had an account, sign in with that password, or reset it."
)
PAUSED = (
    "There have been too many wrong attempts to sign in to this account, so signing in is paused for "
    "{minutes} minute(s). Try again then, or set a new password with “Forgot your password?”."
)
#: a pending two-factor sign-in (password accepted, code not yet) lasts this long and allows this many codes
PENDING_SECONDS = 300
PENDING_TRIES = 5
RESET_SENT = (
    "If an account uses that email address, we have sent it a link to set a new password. "
    "The link works once, for two hours. No email? Ask your trainer for a reset link."
)


def _fresh_session() -> None:
    kept = {key: session[key] for key in KEPT_AT_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def _start_session(user: User, remember: bool) -> None:
    """A fresh session at sign-in: nothing from before signing in carries over but a pending invitation."""
    _fresh_session()
    sessions.start(user, remember)
    operations.signed_in(user)


def _paused(template: str, form, seconds: int):
    """The sign-in step is paused for this account: 429, with the form and the wait in words."""
    field = form.password if hasattr(form, "password") else form.code
    field.errors.append(PAUSED.format(minutes=max(1, -(-seconds // 60))))
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def register():
    """A new email is signed in at once; a known one gets the neutral answer, so nobody is signed in to it."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = RegisterForm()
    if form.validate_on_submit():
        user = None
        if find_user(form.email.data) is None:
            try:
                user = operations.register(
                    form.email.data, form.password.data, form.display_name.data, form.legal_name.data
                )
                db.session.flush()
            except IntegrityError:  # the same email registered a moment ago by a parallel request
                db.session.rollback()
                user = None
        else:
            hash_password(form.password.data)  # the same work as a real registration
            tell_owner_of_registration(form.email.data)
        if user is not None:
            _start_session(user, False)
            db.session.commit()
            flash(SIGNED_UP, "success")
            return redirect(safe_next(request.args.get("next")))
        db.session.commit()
        flash(REGISTERED, "success")
        nxt = request.args.get("next")
        return deliver_after(redirect(url_for("auth.login", next=safe_next(nxt)) if nxt else url_for("auth.login")))
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("LOGIN_RATE_LIMIT", methods=("POST",))
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        key = throttle.password_key(normalise_email(form.email.data))
        wait = throttle.paused_for(key)
        if wait:
            return _paused("auth/login.html", form, wait)
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.failed(key)
        else:
            throttle.clear(key)
        if user is not None and user.two_factor:
            db.session.commit()
            _fresh_session()
            session["2fa"] = {
                "user": user.get_id(),
                "remember": bool(form.remember.data),
                "next": safe_next(request.args.get("next")),
                "at": int(time.time()),
                "tries": 0,
            }
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
    ident, _, token = str(pending.get("user", "")).partition(":")
    # The row is locked while its code is checked, so one code cannot be accepted twice by parallel requests.
    user = (
        db.session.get(User, int(ident), with_for_update=request.method == "POST")
        if ident.isdigit() and len(ident) <= 18
        else None
    )
    if (
        user is None
        or not sessions.token_matches(user, token)
        or not user.active
        or not user.two_factor
        or not isinstance(pending.get("at"), int)
        or time.time() - pending["at"] > PENDING_SECONDS
        or pending.get("tries", 0) >= PENDING_TRIES
    ):
        session.pop("2fa", None)
        flash("Please sign in again: the sign-in was not finished in time.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        key = throttle.code_key(user.id)
        wait = throttle.paused_for(key)
        if wait:
            return _paused("auth/code.html", form, wait)
        step = accept(user.totp_secret, form.code.data, user.totp_last_step)
        if step is not None:
            operations.code_accepted(user, step)
            throttle.clear(key)
            _start_session(user, pending["remember"])
            db.session.commit()
            return redirect(pending["next"])
        throttle.failed(key)
        session["2fa"] = {**pending, "tries": pending.get("tries", 0) + 1}
        operations.code_refused(user)
        db.session.commit()
        form.code.errors.append(
            "That code is not right or has already been used. Wait for the next code and try again."
        )
    return render_template("auth/code.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        operations.sign_out(account(current_user))
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
        if verify_password(account(current_user).password_hash, form.current.data):
            user = account(current_user)
            change_password(user, form.password.data)
            db.session.commit()
            sessions.start(user, remember=False)  # a fresh session carrying the new session token
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("dashboard.index"))
        form.current.errors.append("That is not your current password.")
    return render_template(
        "auth/password.html",
        form=form,
        disable_form=DisableTwoFactorForm(prefix="off"),
        two_factor_required=staff_two_factor_required(current_app.config),
    ), 200 if request.method == "GET" else 422


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """Sign out every other device: the account's token is replaced and this session gets the new one."""
    user = account(current_user)
    operations.end_other_sessions(user)
    db.session.commit()
    sessions.start(user, remember=False)
    flash("You are signed out on every other device.", "success")
    return redirect(url_for("auth.password"))


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
    required = staff_two_factor_required(current_app.config)
    start, form = StartTwoFactorForm(prefix="start"), CodeForm()
    user = account(current_user)
    if start.submit.data and start.validate_on_submit():
        # The secret is kept on the account (not in the cookie) until a code confirms it; a new start replaces it.
        operations.begin_two_factor(user, new_secret())
        db.session.commit()
        return redirect(url_for("auth.two_factor_setup"))
    secret = user.totp_pending
    if secret is None:
        return render_template(
            "auth/two_factor_setup.html", start=start, form=None, required=required
        ), 200 if request.method == "GET" else 422
    if form.validate_on_submit():
        step = accept(secret, form.code.data, None)
        if step is not None:
            operations.enable_two_factor(user, secret, step)  # other devices (password alone) are signed out
            db.session.commit()
            sessions.start(user, remember=False)
            flash(
                "Two-factor sign-in is on. You will be asked for a code each time you sign in. "
                "Other devices have been signed out.",
                "success",
            )
            return redirect(url_for("dashboard.index"))
        form.code.errors.append("That code is not right. Check the time on your phone and try the next code.")
    uri, qr = provisioning(secret, current_user.email)
    return render_template(
        "auth/two_factor_setup.html", start=start, form=form, secret=secret, qr=qr, required=required
    ), 200 if request.method == "GET" else 422


@bp.route("/two-factor/off", methods=["POST"])
@login_required
def two_factor_off():
    form = DisableTwoFactorForm(prefix="off")
    if current_user.is_staff and staff_two_factor_required(current_app.config):
        flash("Two-factor sign-in is required for staff accounts here, so it cannot be turned off.", "error")
        return redirect(url_for("auth.password"))
    if form.validate_on_submit() and verify_password(account(current_user).password_hash, form.password.data):
        user = account(current_user)
        operations.disable_two_factor(user)
        db.session.commit()
        sessions.start(user, remember=False)
        flash("Two-factor sign-in is off. Other devices have been signed out.", "info")
    else:
        flash("That is not your password; two-factor sign-in is still on.", "error")
    return redirect(url_for("auth.password"))


@bp.route("/privacy", methods=["GET", "POST"])
@login_required
def accept_privacy():
    """Accounts made for someone (a roster import, the CLI) accept the privacy notice at their first sign-in."""
    if current_user.privacy_accepted_at is not None:
        return redirect(safe_next(request.args.get("next")))
    form = AcceptPrivacyForm()
    if form.validate_on_submit():
        user = account(current_user)
        operations.accept_privacy(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/accept_privacy.html", form=form), 200 if request.method == "GET" else 422
