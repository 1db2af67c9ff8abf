"""Checking input that does not come through a form: numbers in URLs and query strings, emails in files.

Python integers have no limit, database integers do: an id of 99999999999999999999 in a URL would
reach the database and fail there with a 500 (on PostgreSQL, anything over 2**31 - 1 does). Every
<int:...> URL part goes through BoundedInt, so such a URL is simply not found (404); query values go
through query_int.
"""

from email_validator import EmailNotValidError, validate_email
from flask import Flask, request
from werkzeug.routing import IntegerConverter

#: the largest id: every id column is an INTEGER, which PostgreSQL stores in 32 bits (SQLite in up to 64)
MAX_ID = 2**31 - 1


class BoundedInt(IntegerConverter):
    """Werkzeug's int converter, refusing values beyond MAX_ID (the URL then matches no route: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (Werkzeug's names)
        bounded = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


def init_app(app: Flask) -> None:
    """Make `int` in every route mean BoundedInt: call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedInt


def query_int(name: str, default: int | None = None, low: int = 0, high: int = MAX_ID) -> int | None:
    """The query value `name` as an integer in [low, high]; `default` when missing, not a number, or out of range."""
    raw = request.args.get(name, "")
    try:
        value = int(raw) if len(raw) <= 20 else None  # longer is out of range, and int() of it is slow
    except ValueError:
        return default
    return value if value is not None and low <= value <= high else default


def is_email(value: str) -> bool:
    """Whether registration would accept this email address (the same checks as its form: wtforms' Email
    without a DNS lookup, and at most 254 characters)."""
    if len(value) > 254:
        return False
    try:
        validate_email(
            value, check_deliverability=False, test_environment=False, allow_smtputf8=True, allow_empty_local=False
        )
    except EmailNotValidError:
        return False
    return True
