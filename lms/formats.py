"""Small helpers shared by forms and CSV downloads."""
from flask import Response


def strip(value):
    """A WTForms filter: trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def collapse_spaces(value):
    """A WTForms filter for names: trim, and turn runs of whitespace into one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ and control characters)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
