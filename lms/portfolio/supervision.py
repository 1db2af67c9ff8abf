"""Supervisors vouch for experience and supervision entries: from their account, or from a mailed link.

A supervisor account (role "supervisor") sees only the entries whose supervisor email is its own. A
supervisor without an account gets a single-use link by mail when the trainee submits the entry: 256
random bits, stored only as a SHA-256, working for LINK_DAYS, once, and only while the entry is exactly
as it was when the link was sent (its fingerprint is stored with the link). Decisions go through
operations.decide_entry (once, only while pending, audited); a decided entry can no longer be changed.
"""

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import audit
from ..auth.models import User
from ..certificates.issue import public_base
from ..clock import utcnow
from ..extensions import db
from ..mail import OutboxMail, enqueue, register_kind
from .models import EntryState, ExperienceEntry, SupervisionSession
from .operations import PortfolioError, decide_entry
from .share_models import SupervisorLink

logger = logging.getLogger(__name__)
LINK_DAYS = 30
KINDS = {"experience": ExperienceEntry, "supervision": SupervisionSession}
KIND_NAMES = {"experience": "supervised experience", "supervision": "supervision session"}
CONFIRM, DECLINE = "confirm", "decline"
#: the outbox kind of a link mail: its body is the SupervisorLink's id, the mail is written when sent
LINK_MAIL = "supervisor_link"


def init_app() -> None:
    register_kind(LINK_MAIL, _compose_link)


class DecisionError(Exception):
    """Why a decision cannot be recorded, in words for the supervisor."""


class SelfAddressed(DecisionError):
    """The trainee named their own email address as the supervisor: nobody can vouch for their own hours."""


class LinkClosed(Exception):
    """A known link that no longer works: used, expired, or the entry changed or was decided since."""


def fingerprint(entry) -> str:
    """SHA-256 over every field the trainee can change: a link stops working once any of them changes."""
    fields = {
        name: getattr(entry, name)
        for name in (
            "supervisor_name",
            "supervisor_email",
            "minutes",
            "worked_on",
            "setting",
            "activity",
            "held_on",
            "format",
            "notes",
        )
        if hasattr(entry, name)
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def kind_of(entry) -> str:
    return "experience" if isinstance(entry, ExperienceEntry) else "supervision"


def entry_date(entry):
    return entry.worked_on if isinstance(entry, ExperienceEntry) else entry.held_on


def describe(entry) -> str:
    """One line naming the entry, for mail and audit."""
    what = (
        f"{entry.setting}: {entry.activity}"
        if isinstance(entry, ExperienceEntry)
        else f"{entry.format} supervision" + (f" ({entry.notes})" if entry.notes else "")
    )
    return f"{entry_date(entry).isoformat()}, {entry.hours:g} hours, {what}"


def supervisor_account(email: str) -> User | None:
    """The active supervisor account for this address, if there is one."""
    return db.session.scalar(
        select(User).where(User.email == email.strip().lower(), User.role == "supervisor", User.active.is_(True))
    )


def request_confirmation(entry, trainee: User, base: str) -> SupervisorLink | None:
    """Ask the entry's supervisor to vouch for it: a mailed link, or a note that it waits in their account.

    SelfAddressed when the trainee named their own address: the view refuses the entry rather than mail the
    trainee a link to confirm their own hours."""
    email = entry.supervisor_email.strip().lower()
    if email == trainee.email:
        raise SelfAddressed("Name your supervisor's email address, not your own: your supervisor confirms your hours.")
    kind = kind_of(entry)
    if supervisor_account(email) is not None:
        enqueue(
            email,
            _subject(trainee, kind),
            f"Hello {entry.supervisor_name},\n\n{trainee.legal_name} recorded this {KIND_NAMES[kind]} and named you "
            f"as the supervisor:\n\n  {describe(entry)}\n\nSign in to confirm or decline it:\n"
            f"{base}/portfolio/supervise/\n",
        )
        return None
    link = SupervisorLink(
        entry_kind=kind,
        entry_id=entry.id,
        # Until the mail is sent, the hash of a token nobody holds: the link works only once mailed.
        token_hash=_hash(secrets.token_urlsafe(32)),
        entry_fingerprint=fingerprint(entry),
        sent_to=email,
        expires_at=utcnow() + timedelta(days=LINK_DAYS),
    )
    db.session.add(link)
    db.session.flush()
    db.session.add(OutboxMail(kind=LINK_MAIL, recipient=email, subject=_subject(trainee, kind), body=str(link.id)))
    audit.record(
        "portfolio.confirmation_requested",
        f"user:{trainee.id}",
        actor_id=trainee.id,
        record=f"{kind}:{entry.id}",
        link=link.id,
        sent_to=email,
    )
    logger.info("confirmation link %s for %s %s mailed to the supervisor", link.id, kind, entry.id)
    return link


def _subject(trainee: User, kind: str) -> str:
    return f"{trainee.legal_name} asks you to confirm a {KIND_NAMES[kind]}"


def _compose_link(mail: OutboxMail) -> tuple[str, str, str] | None:
    """Write a link mail as it is sent, with a new token (a retried mail gets a new one, and only the newest
    works); None, and nothing is sent, if the link no longer could work."""
    link = db.session.get(SupervisorLink, int(mail.body)) if (mail.body or "").isdigit() else None
    entry = db.session.get(KINDS[link.entry_kind], link.entry_id) if link is not None else None
    if (
        entry is None
        or link.used_at is not None
        or link.expires_at <= utcnow()
        or entry.state != EntryState.PENDING
        or fingerprint(entry) != link.entry_fingerprint
    ):
        return None
    trainee = db.session.get(User, entry.user_id)
    token = secrets.token_urlsafe(32)
    link.token_hash = _hash(token)
    return (
        link.sent_to,
        _subject(trainee, link.entry_kind),
        f"Hello {entry.supervisor_name},\n\n{trainee.legal_name} recorded this {KIND_NAMES[link.entry_kind]} and "
        f"named you as the supervisor:\n\n  {describe(entry)}\n\nPlease confirm it if it is right, or decline it "
        f"with a comment. Open this link (it works once, until {link.expires_at:%-d %B %Y}, and stops working if the "
        f"entry is changed):\n{public_base()}/portfolio/confirm/{token}\n\nIf you do not know this person, you can "
        "ignore this email: nothing counts until you confirm it.\n",
    )


def resend_if_changed(entry, before: str, trainee: User) -> None:
    """After the trainee edits a pending entry: the old link stopped working, so send the supervisor a new one."""
    if fingerprint(entry) != before:
        request_confirmation(entry, trainee, public_base())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_link(token: str, now: datetime | None = None) -> tuple[SupervisorLink, object] | None:
    """(link, entry) for a working link; None if no link has this token; LinkClosed if it no longer works."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(SupervisorLink).where(SupervisorLink.token_hash == _hash(token)))
    if link is None:
        return None
    entry = db.session.get(KINDS[link.entry_kind], link.entry_id)
    if link.used_at is not None:
        raise LinkClosed("This link has already been used: each link works once.")
    if link.expires_at <= (now or utcnow()):
        raise LinkClosed(
            f"This link has expired: links work for {LINK_DAYS} days. Ask the trainee to send the entry again."
        )
    if entry is None or fingerprint(entry) != link.entry_fingerprint:
        raise LinkClosed(
            "The trainee changed or removed this entry after the link was sent, so this link no longer "
            "works. If they send the entry again you will receive a new link."
        )
    if entry.state != EntryState.PENDING:
        raise LinkClosed("This entry has already been decided.")
    return link, entry


def decide_by_link(link: SupervisorLink, entry, decision: str, comment: str) -> None:
    """Record a decision made from a mailed link, and spend the link (of two requests at once, one wins)."""
    _check(decision, comment)
    claimed = db.session.execute(
        update(SupervisorLink)
        .where(SupervisorLink.id == link.id, SupervisorLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not claimed:
        raise LinkClosed("This link has already been used: each link works once.")
    _record(entry, decision, comment, None, via="emailed link", link=link.id)


def decide_as_supervisor(supervisor: User, entry, decision: str, comment: str) -> None:
    """Record a decision made by a signed-in supervisor the entry is addressed to."""
    if entry.supervisor_email != supervisor.email:
        raise DecisionError("This entry is not addressed to you.")
    if entry.user_id == supervisor.id:
        raise SelfAddressed("Nobody can confirm their own hours.")
    _check(decision, comment)
    _record(entry, decision, comment, supervisor.id, via="supervisor account")


def _check(decision: str, comment: str) -> None:
    if decision not in (CONFIRM, DECLINE):
        raise DecisionError("Choose Confirm or Decline.")
    if decision == DECLINE and not (comment or "").strip():
        raise DecisionError("Please say why you decline it, so the trainee knows what to correct.")


def _record(entry, decision: str, comment: str, actor_id: int | None, via: str, **details) -> None:
    """The portfolio's one way to decide an entry (only while pending, once, audited), saying how it was decided."""
    try:
        decide_entry(
            entry, decision == CONFIRM, comment, actor_id, via=via, supervisor=entry.supervisor_email, **details
        )
    except PortfolioError as exc:
        raise DecisionError(str(exc)) from None


def addressed_to(supervisor: User) -> list:
    """The entries naming this supervisor's email: pending first, then the newest."""
    found = []
    for model in KINDS.values():
        found += db.session.scalars(select(model).where(model.supervisor_email == supervisor.email))
    return sorted(found, key=lambda e: (e.state != EntryState.PENDING, -e.created_at.timestamp()))


def entry_for(supervisor: User, kind: str, entry_id: int):
    """The entry if it is addressed to this supervisor, else None (the view answers 404 either way)."""
    model = KINDS.get(kind)
    entry = db.session.get(model, entry_id) if model is not None else None
    return entry if entry is not None and entry.supervisor_email == supervisor.email else None
