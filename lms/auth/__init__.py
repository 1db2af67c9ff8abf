"""Accounts: sign-up, sign-in, roles, and the `users` CLI."""

from functools import wraps

from flask import Flask, abort, redirect, request, session, url_for
from flask_login import current_user, login_required, user_loaded_from_cookie

from ..extensions import login_manager
from ..session_cookies import SessionCookies
from ..site_settings import staff_two_factor_required
from . import cli, messages, sessions, views
from .api import signed_in_user


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    messages.init_app()
    app.cli.add_command(cli.users_cli)
    app.session_interface = SessionCookies()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection hashes the client's address and browser on every request to mark a
    # session "not fresh" when they change; nothing here asks for freshness. Sessions end by their own
    # token and time limits instead (lms.auth.sessions).
    login_manager.session_protection = None
    user_loaded_from_cookie.connect(lambda _app, user: sessions.restored_from_cookie(), app, weak=False)

    remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")

    @app.before_request
    def _account_gates():
        """Note the request for the idle limit; then, before anything else: staff turn on two-factor sign-in
        where the admin requires it, and a trainee accepts the privacy notice (imported accounts)."""
        if "_user_id" not in session and remember_cookie not in request.cookies:
            return None  # nobody signed in: no user to load (most API and verification requests)
        if not current_user.is_authenticated:
            return None
        sessions.seen()
        if (
            current_user.is_staff
            and not current_user.two_factor
            and request.endpoint not in _TWO_FACTOR_EXEMPT
            and staff_two_factor_required(app.config)
        ):
            return redirect(url_for("auth.two_factor_setup"))
        if (
            not current_user.is_staff
            and current_user.privacy_accepted_at is None
            and request.endpoint not in _PRIVACY_EXEMPT
        ):
            return redirect(url_for("auth.accept_privacy", next=request.full_path.rstrip("?")))
        return None

    @login_manager.user_loader
    def _load(user_id: str):
        """Cookies carry 'id:token:signed-in at' (lms.auth.sessions): a replaced token (logout, password
        change...) or a session past its idle or absolute limit signs in nobody."""
        parsed = sessions.parse(user_id)
        if parsed is None:
            return None
        ident, token, signed_in_at = parsed
        user = signed_in_user(ident)
        if user is None or not user.active or not sessions.token_matches(user, token):
            return None
        if not sessions.current(user, signed_in_at, app.config):
            return None
        return user


_TWO_FACTOR_EXEMPT = {"auth.two_factor_setup", "auth.logout", "static", "web.support", "web.favicon", "privacy.notice"}
#: a trainee who has not accepted the privacy notice can still read it, sign out, take their data or close the account
_PRIVACY_EXEMPT = {
    "auth.accept_privacy",
    "auth.logout",
    "auth.password",
    "privacy.my_data",
    "privacy.close_account",
    "static",
    "asset",
    "web.support",
    "web.favicon",
    "privacy.notice",
}


def role_required(*roles: str):
    """Allow only signed-in users with one of these roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def author_required(view):
    """Allow only signed-in authors (User.is_author: admins, and trainers an admin made authors); others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_author:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
