"""What the public is told about a certificate: status, holder, course, hours, dates. Nothing else."""

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from .api import PublicCertificate, public_certificate
from .ids import InvalidId, normalise
from .models import Certificate

STATUS_TEXT = {
    "valid": "Valid: this certificate is genuine and current.",
    "expired": "Expired: this certificate was genuine but is past its expiry date.",
    "suspended": "Suspended: this certificate is temporarily not valid.",
    "revoked": "Revoked: this certificate is no longer valid.",
    "superseded": "Replaced: a newer certificate replaces this one.",
}
MAX_BULK = 1000
NOT_FOUND = "No certificate has this ID. Please check it against the certificate."


def find(raw: str, read_only: bool = False) -> tuple["Certificate | PublicCertificate | None", str | None, str | None]:
    """(certificate, canonical id, problem): a mistyped ID is caught before any lookup.

    read_only: for the public page and JSON, the read model (a hot read, lms.certificates.api) rather
    than the ORM row."""
    try:
        cid = normalise(raw)
    except InvalidId as exc:
        return None, None, str(exc)
    cert = public_certificate(cid) if read_only else db.session.get(Certificate, cid)
    if cert is None:
        return None, cid, NOT_FOUND
    return cert, cid, None


def public_record(cert: "Certificate | PublicCertificate") -> dict:
    status = cert.effective_status(utcnow())
    record = {
        "id": cert.id,
        "status": status,
        "status_text": STATUS_TEXT[status],
        "holder": cert.holder_name,
        "course": cert.course_title,
        "certificate": cert.title,
        "course_version": cert.course_fingerprint[:12],
        "hours": {"total": cert.total_hours, "by_domain": cert.hours_by_domain},
        "issued": cert.issued_at.date().isoformat(),
        "expires": cert.expires_at.date().isoformat() if cert.expires_at else None,
        "issuer": {k: v for k, v in cert.issuer.items() if k in ("name", "accreditation", "accredited_by")},
    }
    if status in ("suspended", "revoked", "superseded") and cert.status_changed_at:
        record["status_changed"] = cert.status_changed_at.date().isoformat()
    if cert.superseded_by_id:
        record["replaced_by"] = cert.superseded_by_id
    return record


#: the order in which bulk results are counted on screen
STATUS_ORDER = ("valid", "expired", "suspended", "revoked", "superseded", "invalid", "not_found")


def count_by_status(rows: list[dict]) -> list[tuple[str, int]]:
    """(status, how many) for the statuses present in bulk results, in STATUS_ORDER."""
    counts = {status: 0 for status in STATUS_ORDER}
    for row in rows:
        counts[row["status"]] += 1
    return [(status, n) for status, n in counts.items() if n]


def bulk(raw_ids: list[str]) -> list[dict]:
    """One row per requested ID, in order: found, mistyped or unknown."""
    rows = []
    canonical, problems = {}, {}
    for raw in raw_ids:
        try:
            canonical[raw] = normalise(raw)
        except InvalidId as exc:
            canonical[raw], problems[raw] = None, str(exc)
    found = {
        c.id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.id.in_({c for c in canonical.values() if c})))
    }
    for raw in raw_ids:
        cid = canonical[raw]
        if cid is None:
            rows.append({"query": raw, "id": raw, "status": "invalid", "status_text": problems[raw]})
        elif cid not in found:
            rows.append({"query": raw, "id": cid, "status": "not_found", "status_text": NOT_FOUND})
        else:
            rows.append({"query": raw, **public_record(found[cid])})
    return rows
