"""Small helpers shared by forms and CSV downloads."""

import csv
import io

from flask import Response

#: a cell starting with one of these is run as a formula by spreadsheets (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def strip(value):
    """A WTForms filter: trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def collapse_spaces(value):
    """A WTForms filter for names: trim, and turn runs of whitespace into one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @ and control characters)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeCsv:
    """The one CSV writer of the app: every cell of every row goes through safe_cell.

    Any CSV the app hands out is built here, so a value typed by a user (an email, a name, a pasted
    ID) can never reach a spreadsheet as a formula, whichever column it lands in.
    """

    def __init__(self):
        self._out = io.StringIO()
        self._writer = csv.writer(self._out)

    def writerow(self, row) -> None:
        """Write one row, every cell neutralised."""
        self._writer.writerow([safe_cell(cell) for cell in row])

    def getvalue(self) -> str:
        """The CSV text written so far."""
        return self._out.getvalue()


def csv_response(writer: SafeCsv, filename: str) -> Response:
    """A CSV download; it takes the safe writer itself, so no other text can be passed off as CSV."""
    return Response(
        writer.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def duration(seconds: int) -> str:
    """'1 h 5 min' for a person, not a number of seconds."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"


_DATE_STYLES = {
    "long": lambda d: f"{d.day} {d:%B %Y}",  # 30 November 2026
    "long_time": lambda d: f"{d.day} {d:%B %Y, %H:%M}",  # 30 November 2026, 14:05
    "short": lambda d: f"{d.day} {d:%b %Y}",  # 30 Nov 2026
    "short_time": lambda d: f"{d.day} {d:%b %Y %H:%M}",  # 30 Nov 2026 14:05
    "iso": lambda d: f"{d:%Y-%m-%d %H:%M:%S}",  # 2026-11-30 14:05:09
    "day": lambda d: f"{d:%Y-%m-%d}",  # 2026-11-30
}


def date_text(value, style: str = "long") -> str:
    """A date or time as pages show it (the `date` template filter); '' for none."""
    return _DATE_STYLES[style](value) if value is not None else ""
