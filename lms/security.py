"""Security headers on every response, and no caching of signed-in pages."""
from flask import Flask, request, session

from .courses.markdown import VIDEO_HOSTS


def init_app(app: Flask) -> None:
    frame_src = " ".join(f"https://{host}" for host in sorted(VIDEO_HOSTS))
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-src {frame_src}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not app.debug:
            # Browsers ignore HSTS over plain http, so sending it always is harmless and never forgotten.
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Read the session, not current_user: loading the user here could fail inside an error page.
        if session.get("_user_id") and not request.path.startswith(("/static/", "/assets/")):
            headers["Cache-Control"] = "no-store"
        return response
