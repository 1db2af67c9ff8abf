"""Read-side queries about certificates that other features need."""

from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, select

from ..clock import utcnow
from ..database import read_one
from ..extensions import db
from . import credentials
from .models import (
    LIVE,
    REVOKED,
    SUPERSEDED,
    SUSPENDED,
    VALID,
    Certificate,
    CertificateFacts,
    CertificateRequest,
    RequestState,
)

#: a replacement or a reinstatement stays on the holder's dashboard this long; a suspension or revocation while it lasts
RECENT_CHANGE = timedelta(days=30)


def certificates_of(user_id: int) -> list[Certificate]:
    """The holder's certificates, newest first (replaced ones included, so history is visible)."""
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
        )
    )


def live_certificates_of(user_id: int) -> list[Certificate]:
    """The holder's valid or suspended certificates, oldest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id, Certificate.status.in_(LIVE))
            .order_by(Certificate.issued_at)
        )
    )


def valid_first(certs: list[Certificate]) -> list[Certificate]:
    """The same certificates with the valid ones first (a replaced one never sits above its replacement)."""
    return sorted(certs, key=lambda c: c.effective_status() != VALID)


def status_notices(certs: list[Certificate], now: datetime | None = None) -> list[Certificate]:
    """Certificates whose change of status the holder should be told about on their dashboard."""
    now = now or utcnow()
    lasting = [c for c in certs if c.status in (SUSPENDED, REVOKED)]
    recent = [
        c
        for c in certs
        if c.status_changed_at is not None
        and c.status_changed_at > now - RECENT_CHANGE
        and (c.status == SUPERSEDED or c.status == VALID and c.status_reason)
    ]
    return lasting + recent


_TABLE = Certificate.__table__
#: a certificate as anyone may see it: every column but its PDF and its signed credential
_PUBLIC = select(*(c for c in _TABLE.c if c.name not in ("pdf", "credential"))).where(_TABLE.c.id == bindparam("id"))
_PDF = select(_TABLE.c.user_id, _TABLE.c.pdf).where(_TABLE.c.id == bindparam("id"))


class PublicCertificate(CertificateFacts):
    """A certificate read for the public pages and API: its columns (no PDF or credential), read-only."""

    __slots__ = ("_row",)

    def __init__(self, row: Row):
        object.__setattr__(self, "_row", row)

    def __getattr__(self, name: str):
        try:
            return getattr(self._row, name)
        except AttributeError:
            raise AttributeError(f"a public certificate has no {name!r}") from None

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("a public certificate is read-only")


def public_certificate(cert_id: str) -> PublicCertificate | None:
    """The certificate with this (canonical) id as the public sees it, or None."""
    row = read_one(_PUBLIC, id=cert_id)
    return PublicCertificate(row) if row is not None else None


def stored_pdf(cert_id: str) -> tuple[int | None, bytes] | None:
    """(holder's user id, the PDF stored at issue) for a download, or None."""
    row = read_one(_PDF, id=cert_id)
    return (row.user_id, bytes(row.pdf)) if row is not None else None


def status_entries(purpose: str) -> "set[int] | dict[int, int]":
    """What a status list flags: the status indexes of revoked or suspended certificates, or, for the
    "message" purpose, each flagged index with its two-bit code."""
    if purpose == "message":
        codes: dict[str, int] = {
            REVOKED: credentials.REVOKED_STATUS,
            SUSPENDED: credentials.SUSPENDED_STATUS,
            SUPERSEDED: credentials.REPLACED_STATUS,
        }
        return {
            index: codes[status]
            for index, status in db.session.execute(
                select(Certificate.status_index, Certificate.status).where(Certificate.status.in_(tuple(codes)))
            )
        }
    # A replaced (superseded) certificate is no longer valid either: it is flagged as revoked, so an
    # offline check of an old credential fails and sends the verifier to the replacement.
    flagged = (REVOKED, SUPERSEDED) if purpose == "revocation" else (SUSPENDED,)
    return set(db.session.scalars(select(Certificate.status_index).where(Certificate.status.in_(flagged))))


def find_certificates(query: str, visible, limit: int = 200) -> list[Certificate]:
    """Certificates whose holder or ID matches `query` (all if empty), among those `visible` keeps, newest first."""
    stmt = select(Certificate).where(visible).order_by(Certificate.issued_at.desc()).limit(limit)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(Certificate.holder_name.ilike(like) | Certificate.id.ilike(like.upper()))
    return list(db.session.scalars(stmt))


def pending_requests(visible) -> list[CertificateRequest]:
    """Certificate requests waiting for a trainer, among those `visible` keeps, oldest first."""
    return list(
        db.session.scalars(
            select(CertificateRequest)
            .where(CertificateRequest.state == RequestState.PENDING, visible)
            .order_by(CertificateRequest.requested_at)
        )
    )
