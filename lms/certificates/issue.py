"""Eligibility, issuing, approval, status changes and reissue. Operations flush; views commit once."""

import base64
import calendar
import logging
import mimetypes
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import segno
from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..auth.models import User
from ..clock import utcnow
from ..completion.api import COMPLETE, course_status, learner
from ..content.catalog import Catalog, Course
from ..extensions import db
from . import credentials, keys
from .ids import new_id
from .models import (
    LIVE,
    REVOKED,
    SUPERSEDED,
    SUSPENDED,
    VALID,
    AttestationSignature,
    Certificate,
    CertificateRequest,
    RequestState,
)
from .pdf import credential_attachment, render_pdf

logger = logging.getLogger(__name__)
#: how long before expiry a holder is reminded and may renew
RENEWAL_WINDOW = timedelta(days=90)


class IssueError(Exception):
    """Why a certificate cannot be issued now, in words for the trainee."""


@dataclass
class Eligibility:
    course: Course
    complete: bool
    missing: list[str] = field(default_factory=list)
    current: Certificate | None = None
    pending: CertificateRequest | None = None
    renewing: bool = False
    #: a suspended certificate, or a revoked one no trainer has cleared, that stops any new certificate
    blocked: Certificate | None = None

    @property
    def can_claim(self) -> bool:
        return (
            self.complete and self.pending is None and self.blocked is None and (self.current is None or self.renewing)
        )


def public_base() -> str:
    """The site's public address (LMS_PUBLIC_URL), for links in credentials, PDFs and QR codes; never the request's."""
    return current_app.config["PUBLIC_URL"].rstrip("/")


def issuer_settings(signatory: str | None = None) -> dict:
    config = current_app.config
    return {
        "name": config["ISSUER_NAME"],
        "accreditation": config.get("ISSUER_ACCREDITATION") or None,
        "accredited_by": config.get("ISSUER_ACCREDITED_BY") or None,
        "signatory": signatory or config["ISSUER_SIGNATORY"],
    }


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def current_certificate(user_id: int, course_slug: str) -> Certificate | None:
    """The holder's live certificate for a course (any version), newest first."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user_id, Certificate.course_slug == course_slug, Certificate.status.in_(LIVE))
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )


def binding_certificate(user_id: int, course_slug: str) -> Certificate | None:
    """The holder's suspended certificate, or revoked one not cleared for re-certification, for a course (any version)."""
    return db.session.scalar(
        select(Certificate)
        .where(
            Certificate.user_id == user_id,
            Certificate.course_slug == course_slug,
            (Certificate.status == SUSPENDED)
            | ((Certificate.status == REVOKED) & Certificate.recertification_allowed_at.is_(None)),
        )
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )


def refusal(cert: Certificate) -> str:
    """Why no new certificate can be issued while `cert` binds its holder, in words for the trainee."""
    if cert.status == SUSPENDED:
        return (
            f"Your certificate {cert.id} is suspended. While it is suspended it cannot be renewed or replaced, "
            "and no new certificate can be issued for this course. Please talk to your trainer: a trainer "
            "reinstates it once the matter is resolved."
        )
    return (
        f"Your certificate {cert.id} for this course was revoked. A new certificate for this course can only "
        "be issued after a trainer has reviewed the revocation and allowed re-certification. Please talk to "
        "your trainer."
    )


def eligibility(user: User, catalog: Catalog, course: Course) -> Eligibility:
    """Whether the trainee may claim a certificate now; a renewal needs every role-play passed again."""
    current = current_certificate(user.id, course.slug)
    renewing = (
        current is not None and current.expires_at is not None and current.expires_at - RENEWAL_WINDOW <= utcnow()
    )
    since = current.issued_at if renewing else None
    status = course_status(catalog, course, learner(user.id, since))
    missing = [item.module.title for item in status.modules if item.state != COMPLETE]
    missing += [item.label for item in status.live_missing]
    pending = db.session.scalar(
        select(CertificateRequest).where(
            CertificateRequest.user_id == user.id,
            CertificateRequest.course_slug == course.slug,
            CertificateRequest.state == RequestState.PENDING,
        )
    )
    return Eligibility(
        course,
        complete=not missing,
        missing=missing,
        current=current,
        pending=pending,
        renewing=renewing,
        blocked=binding_certificate(user.id, course.slug),
    )


def claim(user: User, catalog: Catalog, course: Course, holder_name: str, typed_name: str | None):
    """Sign the attestation (if any) and issue the certificate, or queue it for a trainer's approval."""
    status = eligibility(user, catalog, course)
    if status.blocked is not None:
        raise IssueError(refusal(status.blocked))
    if status.pending is not None:
        return status.pending
    if status.current is not None and not status.renewing:
        return status.current
    if not status.complete:
        raise IssueError("Complete the course first: " + ", ".join(status.missing) + ".")
    signed_at = None
    if course.attestation:
        attestation = catalog.attestations[course.attestation]
        signature = AttestationSignature(
            user_id=user.id,
            course_slug=course.slug,
            attestation_slug=attestation.slug,
            fingerprint=attestation.fingerprint,
            typed_name=typed_name,
        )
        db.session.add(signature)
        db.session.flush()
        signed_at = signature.signed_at
        audit.record("attestation.signed", f"course:{course.slug}", actor_id=user.id, attestation=attestation.slug)
    if course.certificate.approval == "trainer":
        return _request(user, course, holder_name, signed_at)
    return issue(user, catalog, course, holder_name, signed_at, replaces=status.current)


def _request(user: User, course: Course, holder_name: str, signed_at) -> CertificateRequest:
    req = CertificateRequest(
        user_id=user.id,
        course_slug=course.slug,
        course_fingerprint=course.fingerprint,
        holder_name=holder_name,
        attestation_signed_at=signed_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(req)
    except IntegrityError:
        return db.session.scalar(
            select(CertificateRequest).where(
                CertificateRequest.user_id == user.id,
                CertificateRequest.course_slug == course.slug,
                CertificateRequest.state == RequestState.PENDING,
            )
        )
    audit.record("certificate.requested", f"course:{course.slug}", actor_id=user.id)
    return req


def issue(
    user: User,
    catalog: Catalog,
    course: Course,
    holder_name: str,
    signed_at,
    replaces: Certificate | None = None,
    signatory: str | None = None,
    issued_at: datetime | None = None,
) -> Certificate:
    """Issue a certificate: record, signed credential and PDF, in one transaction; idempotent per course version."""
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.course_slug == course.slug,
            Certificate.course_fingerprint == course.fingerprint,
            Certificate.status.in_(LIVE),
        )
    )
    if existing is not None and existing is not replaces:
        return existing
    if replaces is not None:
        # Read it again, locked: a suspension committed since it was loaded must not be hidden by a renewal.
        db.session.refresh(replaces, with_for_update=True)
        if replaces.status != VALID:
            raise IssueError(f"Certificate {replaces.id} is {replaces.status} and cannot be renewed.")
    issued_at = (issued_at or utcnow()).replace(microsecond=0)
    competencies = _competencies(catalog, course)
    cert = Certificate(
        id=new_id(),
        user_id=user.id,
        course_slug=course.slug,
        course_fingerprint=course.fingerprint,
        course_title=course.title,
        title=course.certificate.title,
        holder_name=holder_name.strip(),
        hours=dict(course.hours),
        competencies=competencies,
        issuer=issuer_settings(signatory),
        issued_at=issued_at,
        attestation_signed_at=signed_at,
        status=VALID,
        status_index=_free_status_index(),
        expires_at=add_months(issued_at, course.certificate.validity_months)
        if course.certificate.validity_months
        else None,
        replaces_id=replaces.id if replaces else None,
    )
    try:
        with db.session.begin_nested():
            if replaces is not None:
                _supersede(replaces, "replaced by a renewed certificate")
            finalise(cert, hours_basis(catalog, course))
            db.session.add(cert)
            db.session.flush()
            if replaces is not None:
                replaces.superseded_by_id = cert.id
    except IntegrityError:
        # A double submit issued it a moment ago: that one stands.
        winner = db.session.scalar(
            select(Certificate).where(
                Certificate.user_id == user.id,
                Certificate.course_slug == course.slug,
                Certificate.course_fingerprint == course.fingerprint,
                Certificate.status.in_(LIVE),
            )
        )
        if winner is None:
            raise
        return winner
    audit.record("certificate.issued", f"certificate:{cert.id}", course=course.slug, holder=audit.user_ref(user))
    return cert


def hours_basis(catalog: Catalog, course: Course) -> tuple[float, float] | None:
    """(self-study hours, live hours): what the hours a course credits are made of; None if it credits none."""
    return (catalog.study_hours(course), course.live_hours) if course.hours else None


def finalise(cert: Certificate, basis: tuple[float, float] | None = None) -> None:
    """Sign the credential and render the PDF (which embeds the credential); `basis` is (self-study hours,
    live hours) behind the credited hours, printed on the certificate so that it says what they are made of."""
    base = public_base()
    claims = credentials.jwt_claims(credentials.build_credential(cert, base))
    key = keys.active_key()
    cert.credential = keys.sign(claims, key, f"{base}/keys/{key.kid}")
    cert.pdf = render_certificate_pdf(cert, base, basis)


def render_certificate_html(cert: Certificate, base: str, basis: tuple[float, float] | None = None) -> str:
    verify_url = f"{base}/verify/{cert.id}"
    # A fixed mask pattern (any of the eight is valid QR) skips segno's search for the best one;
    # the code still scans reliably at print size (the PDF test decodes it with zbar).
    qr = segno.make_qr(verify_url, error="m", mask=4, boost_error=False).svg_data_uri(
        scale=4, border=4, dark="#000", light="#fff"
    )
    return render_template(
        "certificates/pdf.html",
        cert=cert,
        issuer=cert.issuer,
        qr=qr,
        logo=_logo(),
        verify_url=verify_url.split("://", 1)[-1],
        verify_address=verify_url,
        basis=basis,
    )


def render_certificate_pdf(cert: Certificate, base: str, basis: tuple[float, float] | None = None) -> bytes:
    html = render_certificate_html(cert, base, basis)
    credential = credential_attachment(f"certificate-{cert.id}.jwt", cert.credential, cert.issued_at)
    return render_pdf(html, current_app.static_folder, attachments=[credential], archival=True)


def _logo() -> str | None:
    path = current_app.config.get("ISSUER_LOGO")
    if not path:
        return None
    mime = mimetypes.guess_type(path)[0] or "image/png"
    with open(path, "rb") as fh:
        return f"data:{mime};base64,{base64.b64encode(fh.read()).decode()}"


def _competencies(catalog: Catalog, course: Course) -> list[dict]:
    seen: dict[str, str] = {}
    for module in catalog.course_modules(course):
        for cid in module.competencies:
            competency = catalog.competencies.get(cid)
            seen.setdefault(cid, competency.name if competency else cid.replace("-", " ").capitalize())
    return [{"id": cid, "name": name} for cid, name in seen.items()]


def _free_status_index() -> int:
    """A random unused position in the status lists, so positions say nothing about issue order."""
    while True:
        index = secrets.randbelow(credentials.STATUS_LIST_SIZE)
        taken = db.session.scalar(select(Certificate.id).where(Certificate.status_index == index).limit(1))
        if taken is None:
            return index


def _supersede(old: Certificate, reason: str) -> None:
    """Take a certificate out of the live set (flushed, so its replacement can be inserted)."""
    old.status, old.status_reason, old.status_changed_at = SUPERSEDED, reason, utcnow()
    db.session.flush()


TRANSITIONS = {
    "suspend": ({VALID}, SUSPENDED),
    "reinstate": ({SUSPENDED}, VALID),
    "revoke": ({VALID, SUSPENDED}, REVOKED),
}
PAST = {"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked"}


def change_status(cert: Certificate, action: str, reason: str, actor_id: int | None) -> None:
    """Suspend, reinstate or revoke with a reason; recorded in the audit log."""
    allowed, new = TRANSITIONS[action]
    if cert.status not in allowed:
        raise IssueError(f"A {cert.status} certificate cannot be {PAST[action]}.")
    if not (reason or "").strip():
        raise IssueError("Please give a reason: it is kept in the audit log.")
    before = cert.status
    cert.status, cert.status_reason = new, reason.strip()
    cert.status_changed_at, cert.status_changed_by = utcnow(), audit.user_ref(actor_id)
    audit.record(
        f"certificate.{PAST[action]}",
        f"certificate:{cert.id}",
        actor_id=actor_id,
        before=before,
        after=new,
        reason=reason.strip(),
    )


def allow_recertification(cert: Certificate, reason: str, actor_id: int | None) -> None:
    """A trainer's decision that the holder of a revoked certificate may earn a new one; recorded with the reason."""
    if cert.status != REVOKED:
        raise IssueError(
            "Only a revoked certificate can be cleared for re-certification; a suspended one is "
            "reinstated or revoked instead."
        )
    if cert.recertification_allowed_at is not None:
        raise IssueError("Re-certification is already allowed for this certificate.")
    if not (reason or "").strip():
        raise IssueError("Please give a reason: it is kept in the audit log.")
    cert.recertification_allowed_at, cert.recertification_allowed_by = utcnow(), audit.user_ref(actor_id)
    cert.recertification_reason = reason.strip()
    audit.record(
        "certificate.recertification_allowed",
        f"certificate:{cert.id}",
        actor_id=actor_id,
        holder=audit.user_ref(cert.user_id),
        course=cert.course_slug,
        reason=reason.strip(),
    )


def reissue(cert: Certificate, catalog: Catalog, holder_name: str, reason: str, actor_id: int | None) -> Certificate:
    """Correct a certificate (e.g. a legal-name change): a new ID; the old one verifies as superseded."""
    if cert.status not in LIVE:
        raise IssueError(f"A {cert.status} certificate cannot be reissued.")
    if not (reason or "").strip() or not (holder_name or "").strip():
        raise IssueError("Please give the name to print and a reason.")
    new = Certificate(
        id=new_id(),
        user_id=cert.user_id,
        course_slug=cert.course_slug,
        course_fingerprint=cert.course_fingerprint,
        course_title=cert.course_title,
        title=cert.title,
        holder_name=holder_name.strip(),
        hours=dict(cert.hours),
        competencies=list(cert.competencies),
        issuer=dict(cert.issuer),
        issued_at=cert.issued_at,
        expires_at=cert.expires_at,
        attestation_signed_at=cert.attestation_signed_at,
        status=cert.status,
        status_reason=cert.status_reason if cert.status == SUSPENDED else None,
        status_index=_free_status_index(),
        replaces_id=cert.id,
    )
    _supersede(cert, f"corrected: {reason.strip()}")
    course = catalog.course(cert.course_slug)
    finalise(new, hours_basis(catalog, course) if course and course.fingerprint == cert.course_fingerprint else None)
    db.session.add(new)
    db.session.flush()
    cert.superseded_by_id = new.id
    holder = db.session.get(User, cert.user_id) if cert.user_id is not None else None
    if holder is not None and holder.legal_name != new.holder_name:
        # The corrected name is the person's legal name: transcripts and the next certificate use it too.
        holder.legal_name = new.holder_name
        audit.record("user.legal_name_corrected", f"user:{holder.id}", actor_id=actor_id, certificate=new.id)
    audit.record(
        "certificate.reissued", f"certificate:{cert.id}", actor_id=actor_id, replacement=new.id, reason=reason.strip()
    )
    return new


def approve(req: CertificateRequest, catalog: Catalog, trainer: User) -> Certificate:
    course = catalog.course(req.course_slug)
    if course is None or req.state != RequestState.PENDING:
        raise IssueError("This request is no longer waiting for approval.")
    user = db.session.get(User, req.user_id)
    blocked = binding_certificate(user.id, course.slug)
    if blocked is not None:
        advice = "reinstate it first" if blocked.status == SUSPENDED else "allow re-certification on its page first"
        raise IssueError(f"Certificate {blocked.id} is {blocked.status}: {advice}.")
    current = current_certificate(user.id, course.slug)
    cert = issue(
        user,
        catalog,
        course,
        req.holder_name,
        req.attestation_signed_at,
        replaces=current,
        signatory=trainer.legal_name,
    )
    req.state, req.decided_at, req.decided_by_id = RequestState.APPROVED, utcnow(), trainer.id
    audit.record("certificate.approved", f"certificate:{cert.id}", actor_id=trainer.id, request=req.id)
    return cert


def decline(req: CertificateRequest, reason: str, trainer: User) -> None:
    if req.state != RequestState.PENDING:
        raise IssueError("This request is no longer waiting for approval.")
    if not (reason or "").strip():
        raise IssueError("Please say why, so the trainee knows what to do next.")
    req.state, req.decided_at, req.decided_by_id, req.reason = (
        RequestState.DECLINED,
        utcnow(),
        trainer.id,
        reason.strip(),
    )
    audit.record("certificate.declined", f"request:{req.id}", actor_id=trainer.id, reason=reason.strip())
