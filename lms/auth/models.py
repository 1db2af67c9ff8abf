"""Accounts."""
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ROLES = ("trainee", "trainer", "admin")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
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

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in ("trainer", "admin")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"
