"""Security headers on every response, no caching of signed-in pages, and CSRF tokens for pages."""
from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from .courses.markdown import VIDEO_HOSTS

#: (secret key, session's raw CSRF token) -> a signed token for it
_signed_tokens: dict[tuple[str, str], str] = {}


def csrf_token() -> str:
    """Flask-WTF's generate_csrf for templates, remembering the signed token made for each session's
    raw token: every signed-in page has a form (sign out), and signing costs about 20 microseconds.
    Only while tokens never expire (WTF_CSRF_TIME_LIMIT = None): then an earlier signed token for the
    same session is exactly as valid as a new one."""
    raw = session.get("csrf_token")
    if raw is None or "csrf_token" in g or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    key = (current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    token = _signed_tokens.get(key)
    if token is None:
        if len(_signed_tokens) >= 4096:
            _signed_tokens.clear()
        token = _signed_tokens[key] = generate_csrf()
    else:
        g.csrf_token = token  # where Flask-WTF looks first, so forms on the page use the same token
    return token


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    frame_src = " ".join(f"https://{host}" for host in sorted(VIDEO_HOSTS))
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-src {frame_src}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )

    defaults = [("Content-Security-Policy", csp), ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"),
                ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    if not app.debug:
        # Browsers ignore HSTS over plain http, so sending it always is harmless and never forgotten.
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    names = {name.lower() for name, _ in defaults}

    @app.after_request
    def _headers(response):
        headers = response.headers
        # One pass over the response's headers rather than a search per default (every response pays).
        present = {name.lower() for name, _ in headers.items()} & names
        headers.extend([d for d in defaults if d[0].lower() not in present] if present else defaults)
        # Read the session, not current_user: loading the user here could fail inside an error page.
        if session.get("_user_id") and not request.path.startswith(("/static/", "/assets/")):
            headers["Cache-Control"] = "no-store"
        return response
