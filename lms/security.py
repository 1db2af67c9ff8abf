"""Security headers on every response, and no caching of signed-in pages."""
from flask import Flask, request
from flask_login import current_user

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
        if not app.debug and request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user.is_authenticated and not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response
