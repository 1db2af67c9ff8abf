"""The audit log: who did what, when, from where. Never answers or passwords.

Tamper-evident: each event stores the SHA-256 of its own canonical form, which includes the hash of
the event before it, so editing, removing or reordering any stored event breaks the chain from there
on (`flask --app lms audit verify`). Appends are serialised (PostgreSQL: a transaction-scoped advisory
lock; SQLite: its single writer), so two requests can never both extend the same head.

People are named by an immutable pseudonym, "user:<uuid>" (User.uuid), never by the row id: an id can
be handed to a new account after a deletion, and a foreign key would turn into NULL. A closed
account's events keep its pseudonym, shown as "deleted-user:<uuid>"; nothing is ever rewritten.
"""

import hashlib
import json
import logging
import re
import sys
from datetime import datetime
from typing import Protocol

import click
from flask import has_request_context, request
from flask.cli import AppGroup
from flask_login import current_user
from sqlalchemy import JSON, String, column, func, select, table
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .extensions import Model, db

logger = logging.getLogger("lms.audit")


class HasUuid(Protocol):
    """An account as the log needs it (lms.auth.models.User, or its signed-in read model)."""

    uuid: str


audit_cli = AppGroup("audit", help="Check the audit log.")
#: the "previous hash" of the first event
GENESIS = "0" * 64
#: any advisory lock number will do, as long as nothing else uses it (startup_lock takes 742001)
_APPEND_LOCK = 742002
_USER_ID = re.compile(r"user:(\d+)")


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: "user:<uuid>" of who did it, fixed when recorded; None for the system or an anonymous visitor
    actor: Mapped[str | None] = mapped_column(String(50), index=True)
    #: e.g. certificate.issued, certificate.revoked, attempt.graded
    action: Mapped[str] = mapped_column(String(50), index=True)
    #: what it happened to, e.g. certificate:<id>, cohort:<id>, user:<uuid>
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    #: the hash of the event before this one (GENESIS for the first); unique, so the chain cannot fork
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of this event's canonical form, prev_hash included
    hash: Mapped[str] = mapped_column(String(64))


#: The accounts table, named by the two columns the log needs. The audit log sits below every feature,
#: accounts included (they record events here), so it names the table rather than importing the model;
#: tests/test_audit_chain.py checks these columns against lms.auth.models.User.
_USERS = table("user", column("id"), column("uuid"), column("email"))


def user_ref(user_or_id: "HasUuid | int | None") -> str | None:
    """The pseudonym that names a person in the audit log: "user:<uuid>", stable for the account's life."""
    if user_or_id is None:
        return None
    if isinstance(user_or_id, int):
        uuid = db.session.scalar(select(_USERS.c.uuid).where(_USERS.c.id == user_or_id))
    else:
        uuid = user_or_id.uuid
    return f"user:{uuid}" if uuid is not None else None


def _subject(subject: str | None) -> str | None:
    # Callers name people "user:<id>"; the stored subject is the pseudonym, which no later account inherits.
    match = _USER_ID.fullmatch(subject or "")
    return (user_ref(int(match.group(1))) or subject) if match else subject


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash is taken over: every stored field but the id and the hash itself."""
    return json.dumps(
        {
            "at": event.at.isoformat(timespec="microseconds"),
            "actor": event.actor,
            "action": event.action,
            "subject": event.subject,
            "details": event.details,
            "ip": event.ip,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def digest(event: AuditEvent) -> str:
    """The hash an event must carry."""
    return hashlib.sha256(canonical(event)).hexdigest()


def _head() -> str:
    """The hash of the last event, read under the append lock (held until the transaction ends)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_APPEND_LOCK)))
    return db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS


def record(action: str, subject: str | None = None, actor_id: int | None = None, **details) -> AuditEvent:
    """Append an audit event to the chain in the current transaction (the caller commits)."""
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    ip = request.remote_addr if has_request_context() else None
    # Stored as JSON gives it back: the hash is taken over exactly what a later read returns.
    plain = json.loads(json.dumps(details, default=str)) if details else None
    event = AuditEvent(
        at=utcnow(),
        action=action,
        subject=_subject(subject),
        actor=user_ref(actor_id),
        details=plain,
        ip=ip,
        prev_hash=_head(),
    )
    event.hash = digest(event)
    db.session.add(event)
    db.session.flush()  # the next event in this transaction chains onto this one
    # One JSON object per line: a value containing a newline cannot forge a second log line. The hash goes
    # to the log too, so a copy of the chain lives outside the database.
    logger.info(
        json.dumps(
            {"action": action, "subject": event.subject, "actor": event.actor, **(plain or {}), "hash": event.hash},
            default=str,
        )
    )
    return event


def verify() -> tuple[int, str | None, str]:
    """Walk the chain: (events checked, the first problem or None, the head hash)."""
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000))
    try:
        return _walk(events)
    finally:
        events.close()  # a walk that stops at a broken link leaves the server-side cursor open otherwise


def _walk(events) -> tuple[int, str | None, str]:
    previous, count = GENESIS, 0
    for event in events:
        where = f"event {event.id} ({event.action}, {event.at:%Y-%m-%d %H:%M:%S})"
        if event.prev_hash != previous:
            return (
                count,
                f"{where} does not follow the event before it: an event was removed, inserted or reordered",
                previous,
            )
        if digest(event) != event.hash:
            return count, f"{where} was altered after it was recorded", previous
        previous, count = event.hash, count + 1
    return count, None, previous


def labels(refs) -> dict[str, str]:
    """How to show each "user:<uuid>": the account's email, or "deleted-user:<uuid>" once it is closed."""
    uuids = {ref.split(":", 1)[1] for ref in refs if ref and ref.startswith("user:")}
    found = (
        dict(db.session.execute(select(_USERS.c.uuid, _USERS.c.email).where(_USERS.c.uuid.in_(uuids))).all())
        if uuids
        else {}
    )
    return {f"user:{uuid}": found.get(uuid, f"deleted-user:{uuid}") for uuid in uuids}


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the audit log's hash chain; exit 1 at the first broken link."""
    count, problem, head = verify()
    if problem:
        click.echo(f"Audit chain broken after {count} intact event(s): {problem}.", err=True)
        sys.exit(1)
    click.echo(f"{count} events, chain intact. Head hash: {head}")
