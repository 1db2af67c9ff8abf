"""Error pages in the site's style; JSON for API clients. Nothing a user sends produces a bare 500."""

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from .csrf import csrf_failure_message
from .extensions import db

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Please go back and try again.",
    403: "You do not have access to this page.",
    404: "We could not find that page. It may have moved, or the address may have a typo.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    429: "Too many attempts in a short time. Please wait a little and try again.",
    503: "The training site cannot reach its database just now. Nothing you saved is lost. "
    "Please try again in a minute.",
    500: "Something went wrong on our side. Your work up to this point is saved. Please try again in a moment.",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_response(400, csrf_failure_message())

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host header outside TRUSTED_HOSTS: no address can be built for it, so a plain page without links.
        return Response(
            "<!doctype html><html lang=en><title>Error 400</title><h1>Error 400</h1>"
            "<p>This server does not answer for that host name.</p></html>",
            400,
            mimetype="text/html",
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        response = error_response(code, MESSAGES.get(code, error.description or ""))
        retry_after = error.get_response().headers.get("Retry-After")
        if retry_after:
            response.headers["Retry-After"] = retry_after
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: Exception):
        # The database is down, restarting or unreachable (or, for SQLite, locked for too long): a clear
        # 503 that a load balancer and a person both understand. The pool's pre-ping replaces the broken
        # connections once the database is back, so the app recovers without a restart.
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.remove()
        logger.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.path,
            str(getattr(error, "orig", error))[:200],
            exc_info=True,
        )
        response = error_response(503, MESSAGES[503])
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, MESSAGES[500])


def error_response(code: int, message: str) -> Response:
    """An error as JSON for the API and JSON clients, otherwise as a page."""
    machine = ("/api/", "/status/", "/keys/", "/.well-known/", "/issuer", "/healthz")
    if request.path.startswith(machine) or request.accept_mimetypes.best == "application/json":
        return make_response(jsonify(error=message, code=code), code)
    try:
        page = render_template("error.html", code=code, message=message)
    except Exception:  # the page itself failed (e.g. the database is down): answer plainly
        logger.exception("error page failed to render")
        page = f"<!doctype html><html lang=en><title>Error {code}</title><h1>Error {code}</h1><p>{message}</p></html>"
    return make_response(page, code)
