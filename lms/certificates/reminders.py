"""Reminders before a certificate expires: on the dashboard always, by email when mail is configured."""

import logging

from flask import current_app
from sqlalchemy import select, update

from ..auth.models import User
from ..clock import utcnow
from ..content import catalog
from ..database import begin_write
from ..extensions import db
from ..mail import enqueue
from .issue import RENEWAL_WINDOW, public_base
from .models import VALID, Certificate

logger = logging.getLogger(__name__)


def expiring(user_id: int | None = None) -> list[Certificate]:
    """Valid certificates that expire within the renewal window (or have expired), soonest first."""
    stmt = select(Certificate).where(
        Certificate.status == VALID,
        Certificate.expires_at.is_not(None),
        Certificate.expires_at <= utcnow() + RENEWAL_WINDOW,
    )
    if user_id is not None:
        stmt = stmt.where(Certificate.user_id == user_id)
    return list(db.session.scalars(stmt.order_by(Certificate.expires_at)))


def send_reminders() -> tuple[int, int]:
    """Queue one email per certificate (in the outbox, with reminded_at in the same commit); returns (queued, due)."""
    begin_write()  # SQLite: the write lock from the first read, so a second run waits and then sees reminded_at
    due = [c for c in expiring() if c.expires_at > utcnow()]
    if not current_app.config.get("MAIL_SERVER"):
        return 0, len(due)
    sent = 0
    for cert in due:
        if cert.reminded_at is not None or cert.user_id is None:
            continue
        user = db.session.get(User, cert.user_id)
        if user is None or not user.active:
            continue
        # Claimed by a conditional update: of two runs at once, only one queues the reminder.
        claimed = db.session.execute(
            update(Certificate)
            .where(Certificate.id == cert.id, Certificate.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if not claimed:
            continue
        enqueue(user.email, f"Your certificate expires on {cert.expires_at:%-d %B %Y}", _body(cert))
        sent += 1
    return sent, len(due)


def _body(cert: Certificate) -> str:
    # Built by hand: the daily command runs outside any request, where url_for cannot build addresses.
    link = f"{public_base()}/courses/{cert.course_slug}/certificate"
    course = catalog().course(cert.course_slug)
    # What renewal asks for today: the course's current attestation, if it has one.
    steps = "pass each role-play of the course again" + (
        " and sign the attestation" if course is not None and course.attestation else ""
    )
    return (
        f'Hello {cert.holder_name},\n\nYour certificate "{cert.title}" ({cert.id}) expires on '
        f"{cert.expires_at:%-d %B %Y}.\n\nTo renew it, {steps}; a new certificate is then issued and the old "
        f"one points to it:\n{link}\n"
    )
