"""The one clock: naive UTC datetimes, as every table stores them."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the database columns hold UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)
