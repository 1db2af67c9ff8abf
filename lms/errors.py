"""Error pages in the site's style; JSON for API clients. Nothing a user sends produces a bare 500."""
import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
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
    500: "Something went wrong on our side. Your work up to this point is saved. Please try again in a moment.",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_response(400, csrf_failure_message())

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host header outside TRUSTED_HOSTS: no address can be built for it, so a plain page without links.
        return Response("<!doctype html><html lang=en><title>Error 400</title><h1>Error 400</h1>"
                        "<p>This server does not answer for that host name.</p></html>", 400, mimetype="text/html")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        response = error_response(code, MESSAGES.get(code, error.description or ""))
        retry_after = error.get_response().headers.get("Retry-After")
        if retry_after:
            response.headers["Retry-After"] = retry_after
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, MESSAGES[500])


def error_response(code: int, message: str) -> Response:
    """An error as JSON for the API and JSON clients, otherwise as a page."""
    machine = ("/api/", "/status/", "/keys/", "/.well-known/", "/issuer")
    if request.path.startswith(machine) or request.accept_mimetypes.best == "application/json":
        return make_response(jsonify(error=message, code=code), code)
    try:
        page = render_template("error.html", code=code, message=message)
    except Exception:  # the page itself failed (e.g. the database is down): answer plainly
        logger.exception("error page failed to render")
        page = f"<!doctype html><html lang=en><title>Error {code}</title><h1>Error {code}</h1><p>{message}</p></html>"
    return make_response(page, code)
