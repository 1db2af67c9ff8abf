"""Read-side queries about certificates that other features need."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from .models import REVOKED, SUPERSEDED, SUSPENDED, VALID, Certificate

#: a replacement or a reinstatement stays on the holder's dashboard this long; a suspension or revocation while it lasts
RECENT_CHANGE = timedelta(days=30)


def certificates_of(user_id: int) -> list[Certificate]:
    """The holder's certificates, newest first (replaced ones included, so history is visible)."""
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc())))


def valid_first(certs: list[Certificate]) -> list[Certificate]:
    """The same certificates with the valid ones first (a replaced one never sits above its replacement)."""
    return sorted(certs, key=lambda c: c.effective_status() != VALID)


def status_notices(certs: list[Certificate], now: datetime | None = None) -> list[Certificate]:
    """Certificates whose change of status the holder should be told about on their dashboard."""
    now = now or utcnow()
    lasting = [c for c in certs if c.status in (SUSPENDED, REVOKED)]
    recent = [c for c in certs if c.status_changed_at is not None and c.status_changed_at > now - RECENT_CHANGE
              and (c.status == SUPERSEDED or c.status == VALID and c.status_reason)]
    return lasting + recent
