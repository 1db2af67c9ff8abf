"""Certificates, the signatures and approvals behind them, and the issuer's signing keys."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import Model


class CertificateStatus(StrEnum):
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    #: replaced by a re-issued certificate
    SUPERSEDED = "superseded"


class RequestState(StrEnum):
    """A certificate request waiting for, or decided by, a trainer."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


VALID, SUSPENDED, REVOKED, SUPERSEDED = CertificateStatus
#: statuses in which a certificate is still the holder's certificate for that course version
LIVE = (VALID, SUSPENDED)


class SigningKey(Model):
    """An RSA key the issuer signs credentials with. Retired keys stay published so old credentials verify."""

    __tablename__ = "signing_key"
    __table_args__ = (
        Index(
            "uq_signing_key_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: PKCS#8 PEM; never sent to any client
    private_pem: Mapped[str] = deferred(mapped_column(Text))
    public_jwk: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class AttestationSignature(Model):
    """A trainee signing a course's attestation (e.g. the code of ethics) with their typed full name."""

    __tablename__ = "attestation_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(100))
    attestation_slug: Mapped[str] = mapped_column(String(100))
    #: the version of the attestation text that was signed
    fingerprint: Mapped[str] = mapped_column(String(64))
    typed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CertificateRequest(Model):
    """A trainee waiting for a trainer to approve a certificate (courses with `approval: trainer`)."""

    __tablename__ = "certificate_request"
    __table_args__ = (
        Index(
            "uq_certificate_request_pending",
            "user_id",
            "course_slug",
            "course_fingerprint",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(100))
    course_fingerprint: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(200))
    attestation_signed_at: Mapped[datetime | None]
    #: pending, approved or declined
    state: Mapped[str] = mapped_column(String(10), default=RequestState.PENDING)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)


class CertificateFacts:
    """What a certificate's columns say, for the ORM model and its public read model alike."""

    hours: dict
    status: str
    expires_at: datetime | None

    @property
    def total_hours(self) -> float:
        """Added up in whole minutes and rounded once, so that 0.1 + 0.2 hours is 0.3."""
        return round(sum(round(h * 60) for h in self.hours.values()) / 60, 2)

    @property
    def hours_by_domain(self) -> dict:
        """Hours per training domain; empty for a course that gives a single figure (stored as {"total": n})."""
        return {} if set(self.hours) == {"total"} else dict(self.hours)

    def effective_status(self, now: datetime | None = None) -> str:
        """What a verifier is told: expired wins over valid once the expiry date has passed."""
        now = now or utcnow()
        if self.status == VALID and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.status


class Certificate(CertificateFacts, Model):
    """An issued certificate: a snapshot of what was certified, its PDF and its signed credential."""

    __tablename__ = "certificate"
    __table_args__ = (
        # Exactly one live certificate per trainee per course version, whatever the timing of requests.
        Index(
            "uq_certificate_live",
            "user_id",
            "course_slug",
            "course_fingerprint",
            unique=True,
            sqlite_where=text("status IN ('valid', 'suspended')"),
            postgresql_where=text("status IN ('valid', 'suspended')"),
        ),
        UniqueConstraint("status_index", name="uq_certificate_status_index"),
    )

    #: the human-typeable ID, e.g. 7KQ2-M9XD-4RTV-H3NB-C8WF (see ids.py)
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: None once the account is deleted: the certificate stays verifiable
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    course_slug: Mapped[str] = mapped_column(String(100))
    #: the course version certified
    course_fingerprint: Mapped[str] = mapped_column(String(64))
    course_title: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    holder_name: Mapped[str] = mapped_column(String(200))
    #: contact hours by domain, e.g. {"ethics": 16, "mentoring": 10}
    hours: Mapped[dict] = mapped_column(JSON)
    #: [{"id": ..., "name": ...}] of the competencies the course covers
    competencies: Mapped[list] = mapped_column(JSON)
    #: issuer name, accreditation, approving body and signatory at the time of issue
    issuer: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    attestation_signed_at: Mapped[datetime | None]
    #: valid, suspended, revoked or superseded; "expired" is worked out from expires_at
    status: Mapped[str] = mapped_column(String(12), default=VALID)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    #: "user:<uuid>" of who changed the status (see audit.user_ref): a fixed record, not a link that a deletion clears
    status_changed_by: Mapped[str | None] = mapped_column(String(50))
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("certificate.id"))
    superseded_by_id: Mapped[str | None] = mapped_column(ForeignKey("certificate.id"))
    #: this certificate's random position in the published status lists
    status_index: Mapped[int]
    #: the signed Open Badges 3.0 credential (VC-JWT)
    credential: Mapped[str] = deferred(mapped_column(Text))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    reminded_at: Mapped[datetime | None]
    #: a revoked certificate binds its holder (no new certificate for the course) until a trainer allows one
    recertification_allowed_at: Mapped[datetime | None]
    recertification_allowed_by: Mapped[str | None] = mapped_column(String(50))
    recertification_reason: Mapped[str | None] = mapped_column(Text)
