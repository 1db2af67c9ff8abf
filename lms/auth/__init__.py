"""Accounts: sign-up, sign-in, roles, and the `users` CLI."""
import copy
import time
from functools import wraps

from flask import Flask, abort, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from flask_login import current_user, login_required, user_loaded_from_cookie

from .. import fastread
from ..extensions import login_manager
from ..site_settings import staff_two_factor_required
from . import cli, messages, sessions, views
from .models import User


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    messages.init_app()
    app.cli.add_command(cli.users_cli)
    app.session_interface = _SessionCookies()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
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
        if (current_user.is_staff and not current_user.two_factor and request.endpoint not in _TWO_FACTOR_EXEMPT
                and staff_two_factor_required(app.config)):
            return redirect(url_for("auth.two_factor_setup"))
        if (not current_user.is_staff and current_user.privacy_accepted_at is None
                and request.endpoint not in _PRIVACY_EXEMPT):
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
        # One plain query (lms.fastread) instead of an ORM load: about 0.2 ms less on every request.
        # A page view gets a detached, read-only copy (a GET changes nothing about its user); a request
        # that writes gets it in its session, where changes (logout, a new password) are saved as usual.
        user = fastread.get(User, ident, attach=request.method not in ("GET", "HEAD"))
        if user is None or not user.active or not sessions.token_matches(user, token):
            return None
        if not sessions.current(user, signed_in_at, app.config):
            return None
        return user


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with two savings on every request: the signing serializer is
    built once per secret key, and a cookie whose signature was already verified is not verified
    and decompressed again (its age still is). A browser sends the same cookie until the session
    changes, and checking it cost about 35 microseconds per request."""

    VERIFIED_MAX = 4096

    def __init__(self):
        self._serializer: tuple = (None, None)
        #: cookie string -> (session data, time signed), for cookies this process has verified
        self._verified: dict = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._serializer[0] != key:
            self._serializer = (key, super().get_signing_serializer(app))
            self._verified = {}
        return self._serializer[1]

    def open_session(self, app: Flask, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._verified.get(value)
        if known is None:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified = {}
            known = self._verified[value] = (data, signed_at.timestamp())
        elif time.time() - known[1] > max_age:
            return self.session_class()
        return self.session_class(copy.deepcopy(known[0]))


_TWO_FACTOR_EXEMPT = {"auth.two_factor_setup", "auth.logout", "static", "web.support", "web.favicon", "privacy.notice"}
#: a trainee who has not accepted the privacy notice can still read it, sign out, take their data or close the account
_PRIVACY_EXEMPT = {"auth.accept_privacy", "auth.logout", "auth.password", "privacy.my_data", "privacy.close_account",
                   "static", "asset", "web.support", "web.favicon", "privacy.notice"}


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
