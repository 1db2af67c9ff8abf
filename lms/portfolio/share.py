"""Share links: the holder chooses what a board sees, for how long, and can close the link at any time.

The link's token is 256 random bits; only its SHA-256 is stored, so a copy of the database opens no
portfolio. A link that is unknown, expired or revoked is not found: the same 404 for each, so the
answer never tells a visitor that a token once existed.
"""

import hashlib
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import audit
from ..auth.models import User
from ..certificates import keys
from ..certificates.issue import issuer_settings, public_base
from ..certificates.models import VALID, Certificate
from ..clock import utcnow
from ..extensions import db
from . import credential
from .models import (
    ContinuingEducation,
    EntryState,
    Evidence,
    ExperienceEntry,
    OutsideTraining,
    ReviewState,
    SupervisionSession,
)
from .progress import progress
from .share_models import PortfolioShare
from .snapshot import (
    Certification,
    Confirmation,
    PortfolioSnapshot,
    RequirementTotal,
    SharedCertificate,
    VerifiedEntry,
    from_json,
    to_json,
)

logger = logging.getLogger(__name__)
TOKEN_BYTES = 32
DEFAULT_DAYS, MAX_DAYS = 30, 365


class ShareError(Exception):
    """Why a share link cannot be made, in words for the holder."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_snapshot_id() -> str:
    return str(uuid.uuid4())


def free_status_index() -> int:
    """A random unused position in the portfolio status list, so positions say nothing about order."""
    while True:
        index = secrets.randbelow(credential.STATUS_LIST_SIZE)
        if db.session.scalar(select(PortfolioShare.id).where(PortfolioShare.status_index == index)) is None:
            return index


def expiry(days: int, now: datetime) -> datetime:
    """When a link made now for `days` days closes; ShareError outside 1..MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise ShareError(f"Choose how many days the link stays open: from 1 to {MAX_DAYS}.")
    return now.replace(microsecond=0) + timedelta(days=days)


def shareable(user_id: int, pathway) -> dict:
    """What the holder may choose from: the pathway's requirements, decided-and-vouched entries, certificates."""
    p = progress(user_id, pathway)
    entries = [_vouched(e) for e in _confirmed(ExperienceEntry, user_id)]
    entries += [_vouched(e) for e in _confirmed(SupervisionSession, user_id)]
    entries += [_reviewed("training", r) for r in _accepted(OutsideTraining, user_id)]
    entries += [_reviewed("ce", r) for r in _accepted(ContinuingEducation, user_id)]
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id, Certificate.status == VALID)
            .order_by(Certificate.issued_at.desc())
        )
    )
    return {
        "progress": p,
        "requirements": list(p.requirements),
        "entries": sorted(entries, key=lambda e: (e.on, e.key)),
        "certificates": [_certificate(c) for c in certificates],
    }


def take_snapshot(
    user: User, pathway, selection: dict, days: int, base: str, now: datetime | None = None
) -> PortfolioSnapshot:
    """Freeze what the holder chose (and only that, and only what is theirs and vouched for) for a share link.

    `selection`: requirement keys, entry keys and certificate IDs to show, and whether to show the board
    certification ("certification": True)."""
    now = (now or utcnow()).replace(microsecond=0)
    choices = shareable(user.id, pathway)
    p = choices["progress"]
    wanted = {name: set(selection.get(name) or ()) for name in ("requirements", "entries", "certificates")}
    labels = {r.key: r.label for r in p.requirements} | {"ce": "Continuing education"}
    return PortfolioSnapshot(
        id=new_snapshot_id(),
        holder_name=user.legal_name,
        pathway_slug=pathway.slug,
        pathway_name=pathway.title,
        issued_at=now,
        expires_at=expiry(days, now),
        issuer=issuer_settings(),
        requirements=tuple(
            RequirementTotal(r.key, r.label, r.required, r.done)
            for r in choices["requirements"]
            if r.key in wanted["requirements"]
        ),
        entries=tuple(e for e in choices["entries"] if e.key in wanted["entries"]),
        certificates=tuple(c for c in choices["certificates"] if c.id in wanted["certificates"]),
        certification=Certification(p.certification.certificate_number, p.certification.certified_on)
        if p.certification and selection.get("certification")
        else None,
        status_index=free_status_index(),
        labels=labels,
    )


def _confirmed(model, user_id: int) -> list:
    return list(db.session.scalars(select(model).where(model.user_id == user_id, model.state == EntryState.CONFIRMED)))


def _accepted(model, user_id: int) -> list:
    return list(db.session.scalars(select(model).where(model.user_id == user_id, model.state == ReviewState.ACCEPTED)))


def _vouched(entry) -> VerifiedEntry:
    experience = isinstance(entry, ExperienceEntry)
    kind = "experience" if experience else "supervision"
    description = (
        f"{entry.setting}: {entry.activity}"
        if experience
        else f"{entry.format.capitalize()} supervision" + (f": {entry.notes}" if entry.notes else "")
    )
    via = "supervisor account" if entry.decided_by_id is not None else "emailed link"
    return VerifiedEntry(
        key=f"{kind}-{entry.id}",
        kind=kind,
        requirement=kind,
        on=entry.worked_on if experience else entry.held_on,
        hours=entry.hours,
        description=description,
        confirmation=Confirmation(
            entry.supervisor_name,
            "supervisor",
            entry.decided_at,
            via,
            entry.decider_comment,
            entry.supervisor_email.rsplit("@", 1)[-1],
        ),
    )


def _reviewed(kind: str, record) -> VerifiedEntry:
    trainer = db.session.get(User, record.decided_by_id) if record.decided_by_id is not None else None
    evidence = db.session.get(Evidence, record.evidence_id)
    hours = record.total_hours if kind == "training" else record.hours
    return VerifiedEntry(
        key=f"{kind}-{record.id}",
        kind=kind,
        requirement="training" if kind == "training" else "ce",
        on=record.completed_on,
        hours=hours,
        description=f"{record.title}, {record.provider}",
        confirmation=Confirmation(
            trainer.legal_name if trainer else "a trainer (account closed)",
            "trainer",
            record.decided_at,
            "trainer review",
            record.decider_comment,
        ),
        evidence_id=record.evidence_id,
        evidence_name=evidence.filename if evidence else None,
    )


def _certificate(cert: Certificate) -> SharedCertificate:
    return SharedCertificate(
        id=cert.id,
        title=cert.title,
        course_title=cert.course_title,
        hours=dict(cert.hours),
        total_hours=cert.total_hours,
        issued_on=cert.issued_at.date(),
        verify_url=f"{public_base()}/verify/{cert.id}",
    )


def create(
    user: User, label: str, selection: dict, snapshot: PortfolioSnapshot, base: str
) -> tuple[PortfolioShare, str]:
    """Store the share link with its snapshot and signed credential; returns (link, token to show once)."""
    if not any(selection.get(name) for name in ("requirements", "entries", "certificates", "certification")):
        raise ShareError("Choose at least one requirement, entry or certificate to share.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    key = keys.active_key()
    signed = keys.sign(credential.claims(snapshot, base), key, f"{base}/keys/{key.kid}")
    share = PortfolioShare(
        user_id=user.id,
        token_hash=token_hash(token),
        label=label.strip() or "Shared portfolio",
        pathway_slug=snapshot.pathway_slug,
        selection=selection,
        snapshot=to_json(snapshot),
        credential=signed,
        status_index=snapshot.status_index,
        created_at=snapshot.issued_at,
        expires_at=snapshot.expires_at,
    )
    db.session.add(share)
    db.session.flush()
    audit.record(
        "portfolio.shared",
        f"portfolio-share:{share.id}",
        actor_id=user.id,
        pathway=share.pathway_slug,
        expires=share.expires_at.isoformat(),
        requirements=len(selection.get("requirements", [])),
        entries=len(selection.get("entries", [])),
        certificates=len(selection.get("certificates", [])),
    )
    logger.info("portfolio share %s created by user %s", share.id, user.id)
    return share, token


def find_open(token: str, now: datetime | None = None) -> PortfolioShare | None:
    """The open share link this token names, or None (unknown, expired and revoked alike)."""
    if not token or len(token) > 100:
        return None
    share = db.session.scalar(select(PortfolioShare).where(PortfolioShare.token_hash == token_hash(token)))
    return share if share is not None and share.is_open(now or utcnow()) else None


def snapshot_of(share: PortfolioShare) -> PortfolioSnapshot:
    return from_json(share.snapshot)


def shares_of(user_id: int) -> list[PortfolioShare]:
    """The holder's share links, newest first."""
    return list(
        db.session.scalars(
            select(PortfolioShare)
            .where(PortfolioShare.user_id == user_id)
            .order_by(PortfolioShare.created_at.desc(), PortfolioShare.id.desc())
        )
    )


def revoke(share: PortfolioShare, actor_id: int) -> None:
    """Close the link now; its credential's status bit is set, so kept copies stop verifying too."""
    if share.revoked_at is not None:
        return
    share.revoked_at = utcnow()
    audit.record("portfolio.share_revoked", f"portfolio-share:{share.id}", actor_id=actor_id)
    logger.info("portfolio share %s revoked by user %s", share.id, actor_id)


def revoked_indexes() -> set[int]:
    return set(db.session.scalars(select(PortfolioShare.status_index).where(PortfolioShare.revoked_at.is_not(None))))
