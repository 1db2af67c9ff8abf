"""Accounts."""

import secrets
from datetime import datetime
from uuid import uuid4

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import Model

#: a supervisor confirms or declines the experience and supervision entries addressed to their email
ROLES = ("trainee", "trainer", "admin", "supervisor")
STAFF_ROLES = ("trainer", "admin")


def new_session_token() -> str:
    """A random account token for session and remember-me cookies (192 bits)."""
    return secrets.token_urlsafe(24)


class AccountRules(UserMixin):
    """What an account may do, from its columns: for the ORM row and the signed-in read model alike."""

    id: int
    role: str
    active: bool
    can_author: bool
    session_token: str

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_author(self) -> bool:
        """May fetch, upload, edit, preview, publish and roll back content: admins, and trainers granted it."""
        return self.role == "admin" or (self.role == "trainer" and self.can_author)

    def get_id(self) -> str:
        """The identity in session and remember-me cookies: the row id and the account's current token."""
        return f"{self.id}:{self.session_token}"


class User(AccountRules, Model):
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'admin', 'supervisor')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random and never reused: names the account in the audit log ("user:<uuid>"), where an id could be
    #: inherited by a later account once this one is deleted
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid4()))
    #: stored lower-case, so sign-in is case-insensitive
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    #: printed on certificates exactly as typed
    legal_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="trainee")
    active: Mapped[bool] = mapped_column(default=True)
    #: random, in every session and remember-me cookie of the account; replaced whenever its sessions end
    #: (logout, password, role or two-factor change, deactivation), so older cookies stop working, and never
    #: shared by two accounts, so a closed account's cookies cannot sign in as a later one
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: when the trainee accepted the privacy notice at registration
    privacy_accepted_at: Mapped[datetime | None]
    #: base32 TOTP secret once two-factor sign-in is confirmed; None when it is off
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: the last TOTP time step accepted, so a code cannot be replayed
    totp_last_step: Mapped[int | None]
    #: the base32 secret shown during two-factor set-up, until a code confirms it (kept here, not in the cookie)
    totp_pending: Mapped[str | None] = mapped_column(String(64))
    #: a trainer an admin allowed to publish content (lms.publishing); admins always may
    can_author: Mapped[bool] = mapped_column(default=False)
    #: the content version whose "What's new" note this trainee has been shown
    news_seen: Mapped[str | None] = mapped_column(String(64))

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None


class PasswordReset(Model):
    """A single-use password reset link; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginThrottle(Model):
    """Failed sign-in steps per account or email (whatever the client address), for back-off."""

    __tablename__ = "login_throttle"

    #: SHA-256 of "password:<email>" or "code:<user id>"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
