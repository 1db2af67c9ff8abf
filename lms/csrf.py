"""CSRF protection (Flask-WTF) on every form, with the signed token for each session remembered.

Every signed-in page has a form (sign out). While tokens never expire (WTF_CSRF_TIME_LIMIT = None,
this app's setting) a signed token stands for nothing but "this session's raw token, signed with
our key", so this process remembers the signed token it made for each raw token and pages reuse it
instead of signing again. Every POST is checked by Flask-WTF itself, in full (token and the HTTPS
referrer rule): the check is not overridden here, so it cannot break when Flask-WTF changes.
"""

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

#: (secret key, session's raw token) -> the signed token made for it
_signed: dict[tuple[str, str], str] = {}
_MAX = 4096


def _remembering() -> bool:
    return current_app.config.get("WTF_CSRF_TIME_LIMIT") is None


def _key(raw: str) -> tuple[str, str]:
    return current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw


def csrf_token() -> str:
    """generate_csrf for templates, remembering the token for the session's next pages and POSTs."""
    token = generate_csrf()
    raw = session.get("csrf_token")
    if raw is not None and _remembering() and _signed.get(_key(raw)) != token:
        if len(_signed) >= _MAX:
            _signed.clear()
        _signed[_key(raw)] = token
    return token


def _reuse_signed_token() -> None:
    """Before a request: the session's remembered signed token is where Flask-WTF looks first, so
    every form on the page carries it without signing again."""
    raw = session.get("csrf_token")
    if raw is not None and _remembering():
        token = _signed.get(_key(raw))
        if token is not None:
            g.csrf_token = token


def csrf_failure_message() -> str:
    """Why a form was refused, in words for the person: plain http with Secure cookies says so."""
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    if not request.is_secure and current_app.config.get("SESSION_COOKIE_SECURE") and cookie not in request.cookies:
        # The browser never sends a Secure cookie over plain http, so no form can ever pass here.
        return (
            "This site uses secure cookies, which your browser sends only over https, so the form could not "
            "be checked. Open the site with its https:// address. (Administrators: to allow plain http on a "
            "trusted local network, set LMS_SECURE_COOKIES=0.)"
        )
    return (
        "Your form session expired or the page was open for a long time. "
        "Please go back, reload the page and send the form again."
    )


class RememberingCSRFProtect(CSRFProtect):
    def init_app(self, app):
        super().init_app(app)
        app.before_request(_reuse_signed_token)
        # Flask-WTF offers csrf_token to templates through a context processor; a later one wins.
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(lambda: {"csrf_token": csrf_token})
