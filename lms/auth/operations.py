"""Account operations: plain functions the views and CLI call. They flush, never commit."""
import logging

from sqlalchemy import select

from ..extensions import db
from .models import ROLES, User, utcnow
from .passwords import hash_password, needs_rehash, verify_password

logger = logging.getLogger(__name__)
#: verified against when the email is unknown, so a wrong email costs as long as a wrong password
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, password: str, display_name: str, legal_name: str, role: str = "trainee") -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = User(email=normalise_email(email), password_hash=hash_password(password),
                display_name=display_name.strip(), legal_name=legal_name.strip(), role=role)
    db.session.add(user)
    db.session.flush()
    logger.info("account created: user %s with role %s", user.id, role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades an outdated hash."""
    global _DUMMY_HASH
    user = find_user(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie the user has, on every device."""
    user.session_version += 1


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    logger.info("password changed: user %s", user.id)
