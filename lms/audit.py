"""The audit log: who did what, when, from where. Never answers or passwords."""
import json
import logging
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .auth.models import utcnow
from .extensions import db

logger = logging.getLogger("lms.audit")


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: None for the system or an anonymous visitor
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: e.g. certificate.issued, certificate.revoked, attempt.graded
    action: Mapped[str] = mapped_column(String(50), index=True)
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))


def record(action: str, subject: str | None = None, actor_id: int | None = None, **details) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(action=action, subject=subject, actor_id=actor_id, details=details or None, ip=ip)
    db.session.add(event)
    # One JSON object per line: a value containing a newline cannot forge a second log line.
    logger.info(json.dumps({"action": action, "subject": subject, "actor": actor_id, **details}, default=str))
    return event
