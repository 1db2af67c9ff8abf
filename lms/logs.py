"""Structured logs: one JSON object per line on standard error, ready for a log collector."""

import json
import logging
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(method=request.method, path=request.path, client=request.remote_addr, request_id=request_id())
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_id() -> str:
    """The request's id for logs: the X-Request-Id a proxy sent, or one made up the first time a line
    is logged (most requests log nothing, so most never need one)."""
    ident = g.get("request_id")
    if ident is None:
        ident = g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    return ident


def init_app(app: Flask) -> None:
    """JSON lines unless LOG_FORMAT=text (the debug server keeps Flask's readable format)."""
    if app.debug or app.testing or app.config.get("LOG_FORMAT") == "text":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("lms")
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
