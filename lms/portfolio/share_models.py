"""Tables for sharing and vouching: share links a board opens, supervisors' single-use links, renewal reminders.

Kept apart from `models.py` (the pathway, entries and certification records) because each row here is a
capability or a job's memory around those records rather than a record of the trainee's path.
"""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import Model


class PortfolioShare(Model):
    """A link that shows a board the part of a portfolio its holder chose, until it expires or is revoked."""

    __tablename__ = "portfolio_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the link's secret token (256 random bits); the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the holder's own name for the link, e.g. "Pennsylvania board, March"
    label: Mapped[str] = mapped_column(String(200))
    pathway_slug: Mapped[str] = mapped_column(String(100))
    #: what the holder chose: {"requirements": [...], "entries": [...], "certificates": [...], "certification": bool}
    selection: Mapped[dict] = mapped_column(JSON)
    #: the frozen PortfolioSnapshot (snapshot.to_json) the page, PDF, JSON and credential are made from
    snapshot: Mapped[dict] = deferred(mapped_column(JSON, nullable=False))
    #: the signed Open Badges 3.0 credential (VC-JWT)
    credential: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    #: random position in the portfolio status list (/portfolio/status)
    status_index: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    def is_open(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class SupervisorLink(Model):
    """A single-use link mailed to an entry's supervisor, to confirm or decline it without an account."""

    __tablename__ = "supervisor_link"
    __table_args__ = (Index("ix_supervisor_link_entry", "entry_kind", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "experience" or "supervision"
    entry_kind: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[int]
    #: SHA-256 of the token in the mailed link; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the entry as it was mailed: an edit since then makes the link stop working
    entry_fingerprint: Mapped[str] = mapped_column(String(64))
    sent_to: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RenewalReminder(Model):
    """That the holder was mailed `days_before` days ahead of a renewal deadline: each reminder goes once."""

    __tablename__ = "renewal_reminder"
    __table_args__ = (UniqueConstraint("user_id", "deadline", "days_before", name="uq_renewal_reminder_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[date]
    #: 90, 30 or 7
    days_before: Mapped[int]
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
