"""The one clock: naive UTC datetimes, as every table stores them."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the database columns hold UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
