"""Back-off per account for sign-in steps, whatever address the guesses come from.

The failures for one email address (passwords) or one account (two-factor codes) are counted in the
database, shared by every app server. After FREE_FAILURES in a row the step is paused: 1 minute,
then 2, 4, 8... up to MAX_PAUSE, even for the right password. An unknown email is counted the same
way, so a pause reveals nothing about who has an account. Success or a password reset clears it;
a day without failures forgets them.
"""

import hashlib
from datetime import timedelta

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite

from ..clock import utcnow
from ..extensions import db
from .models import LoginThrottle

FREE_FAILURES = 5
MAX_PAUSE = timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)


def password_key(email: str) -> str:
    """The throttle key for passwords tried against this (normalised) email address."""
    return hashlib.sha256(f"password:{email}".encode()).hexdigest()


def code_key(user_id: int) -> str:
    """The throttle key for two-factor codes tried for this account."""
    return hashlib.sha256(f"code:{user_id}".encode()).hexdigest()


def paused_for(key: str) -> int:
    """Seconds until this step may be tried again (0: now)."""
    row, now = db.session.get(LoginThrottle, key), utcnow()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return int((row.locked_until - now).total_seconds()) + 1


def failed(key: str) -> None:
    """Count one failure (atomically, so parallel guesses all count) and pause the step if there were too many."""
    now = utcnow()
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(LoginThrottle)
    fresh = LoginThrottle.last_failure_at < now - FORGET_AFTER
    statement = (
        insert.values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={"failures": case((fresh, 1), else_=LoginThrottle.failures + 1), "last_failure_at": now},
        )
        .returning(LoginThrottle.failures)
    )
    failures = db.session.execute(statement).scalar_one()
    if failures >= FREE_FAILURES:
        pause = min(timedelta(minutes=2 ** min(failures - FREE_FAILURES, 10)), MAX_PAUSE)
        row = db.session.get(LoginThrottle, key, populate_existing=True)
        row.locked_until = now + pause
        db.session.flush()


def clear(*keys: str) -> None:
    """Forget the failures counted under these keys (a success, a password reset)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
