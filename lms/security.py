"""Security headers on every response, and no caching of signed-in pages."""

from flask import Flask, request, session

from .content.markdown import VIDEO_HOSTS


def init_app(app: Flask) -> None:
    frame_src = " ".join(f"https://{host}" for host in sorted(VIDEO_HOSTS))
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-src {frame_src}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )

    defaults = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
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
