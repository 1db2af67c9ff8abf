"""Accounts."""
from datetime import datetime, timezone
from uuid import uuid4

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ROLES = ("trainee", "trainer", "admin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'admin')", name="role"),)

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
    #: bumped on logout, password or role change: every older session cookie stops working
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: when the trainee accepted the privacy notice at registration
    privacy_accepted_at: Mapped[datetime | None]
    #: base32 TOTP secret once two-factor sign-in is confirmed; None when it is off
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: the last TOTP time step accepted, so a code cannot be replayed
    totp_last_step: Mapped[int | None]

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in ("trainer", "admin")

    @property
    def two_factor(self) -> bool:
        return self.totp_secret is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class PasswordReset(db.Model):
    """A single-use password reset link; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
