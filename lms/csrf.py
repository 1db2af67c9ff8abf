"""CSRF protection (Flask-WTF) on every form, with the signed token for each session remembered.

Every signed-in page has a form (sign out), and every POST is checked: signing a token and checking
one cost about 20 and 40 microseconds. While tokens never expire (WTF_CSRF_TIME_LIMIT = None, this
app's setting) a signed token stands for nothing but "this session's raw token, signed with our
key", so this process remembers the signed token it made for each raw token: pages reuse it, and a
POST that carries exactly that token for its session is valid without verifying the signature
again. Anything else (an unknown token, a time limit set) goes through Flask-WTF in full, and so
does the HTTPS referrer rule.
"""
import hmac

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf, same_origin

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


class RememberingCSRFProtect(CSRFProtect):
    def init_app(self, app):
        super().init_app(app)
        app.before_request(_reuse_signed_token)
        # Flask-WTF offers csrf_token to templates through a context processor; a later one wins.
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(lambda: {"csrf_token": csrf_token})

    def protect(self, apply_exemptions=False):
        if request.method in current_app.config["WTF_CSRF_METHODS"] and _remembering() and self._known():
            secure_rule = request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]
            if not secure_rule or (request.referrer and same_origin(request.referrer, f"https://{request.host}/")):
                g.csrf_valid = True
                return None
        return super().protect(apply_exemptions)

    def _known(self) -> bool:
        raw = session.get("csrf_token")
        if not raw:
            return False
        made = _signed.get(_key(raw))
        sent = self._get_csrf_token()
        return made is not None and sent is not None and hmac.compare_digest(made.encode(), str(sent).encode())
