"""A shared portfolio as an Open Badges 3.0 AchievementCredential (VC-JWT), and the portfolio status list.

Signed with the issuer's certificate keys (`lms.certificates.keys`), so a board checks it against the same
JWKS. Each share link has a random position in its own Bitstring Status List (`/portfolio/status`): revoking
the link sets its bit, so a copy of the credential kept after the link closed no longer verifies.
The verified hours are results against the pathway's requirements; the certificates and supervisors'
confirmations behind them are the credential's evidence.
"""

import uuid
from datetime import datetime, timedelta

from ..certificates.credentials import (
    OB_CONTEXT,
    encode_bitstring,
    issuer_profile,
    jwt_claims,
)
from .snapshot import PortfolioSnapshot, SharedCertificate, VerifiedEntry

#: the same size as the certificates' lists: one share link hides among 131,072 positions
STATUS_LIST_SIZE = 16 * 1024 * 8
STATUS_PATH = "/portfolio/status"
KIND_NAMES = {
    "experience": "Supervised experience",
    "supervision": "Supervision session",
    "training": "Outside training",
    "ce": "Continuing education",
}


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hours(value: float) -> str:
    return f"{value:g} hour" + ("" if value == 1 else "s")


def achievement_id(snapshot: PortfolioSnapshot, base: str) -> str:
    return f"{base}/portfolio/pathways/{snapshot.pathway_slug}/achievement"


def build_credential(snapshot: PortfolioSnapshot, base: str) -> dict:
    """The credential for a shared portfolio, as a JSON-ready dict."""
    achievement = achievement_id(snapshot, base)
    descriptions = [
        {
            "id": f"{achievement}/results/{r.key.replace(':', '-')}",
            "type": ["ResultDescription"],
            "name": f"{r.label} (hours)",
            "resultType": "ext:Hours",
            "requiredValue": f"{r.required:g}",
        }
        for r in snapshot.requirements
    ]
    results = [
        {"type": ["Result"], "resultDescription": d["id"], "value": f"{r.verified:g}"}
        for r, d in zip(snapshot.requirements, descriptions, strict=False)
    ]
    subject = {
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base + '/portfolio/' + snapshot.id)}",
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "hashed": False, "identityHash": snapshot.holder_name, "identityType": "name"}
        ],
        "achievement": {
            "id": achievement,
            "type": ["Achievement"],
            "achievementType": "ext:CertificationPortfolio",
            "name": f"{snapshot.pathway_name}: verified training and supervised hours",
            "description": (
                f"The hours {snapshot.holder_name} chose to share toward {snapshot.pathway_name}. "
                "It is a record for the certification board, not the certification itself."
            ),
            "criteria": {
                "narrative": "Training hours count from certificates issued here and from outside training "
                "a trainer accepted; experience and supervision hours count only once the "
                "supervisor named on each entry confirmed it. Each is listed as evidence."
            },
            "resultDescription": descriptions,
        },
        "result": results,
    }
    if snapshot.certification is not None:
        subject["licenseNumber"] = snapshot.certification.number
    credential = {
        "@context": OB_CONTEXT,
        "id": f"urn:uuid:{snapshot.id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{snapshot.pathway_name}: portfolio of {snapshot.holder_name}",
        "issuer": issuer_profile(snapshot.issuer, base),
        "validFrom": _iso(snapshot.issued_at),
        "validUntil": _iso(snapshot.expires_at),
        "credentialSubject": subject,
        "evidence": [certificate_evidence(c) for c in snapshot.certificates]
        + [entry_evidence(e, snapshot) for e in sorted(snapshot.entries, key=lambda e: (e.on, e.key))],
        "credentialStatus": status_entry(snapshot.status_index, base),
    }
    return credential


def certificate_evidence(cert: SharedCertificate) -> dict:
    """A course certificate behind training hours: its verification page is the evidence."""
    domains = ", ".join(f"{d.replace('-', ' ')} {h:g}" for d, h in cert.hours.items() if d != "total")
    return {
        "id": cert.verify_url,
        "type": ["Evidence"],
        "name": f"Certificate {cert.id}: {cert.title}",
        "description": f"{cert.course_title}, issued {cert.issued_on.isoformat()}: {_hours(cert.total_hours)}"
        + (f" ({domains})." if domains else "."),
        "genre": "Course certificate",
        "narrative": "Issued by this training provider. Its live status (valid, suspended, revoked) is on the "
        "verification page this evidence links to.",
    }


def entry_evidence(entry: VerifiedEntry, snapshot: PortfolioSnapshot) -> dict:
    """A confirmed entry: what was done, and who confirmed it when."""
    c = entry.confirmation
    label = snapshot.labels.get(entry.requirement, entry.requirement)
    narrative = f"Confirmed by {c.by} ({c.role}) on {c.decided_at.date().isoformat()} through {c.how}."
    if c.comment:
        narrative += f" Comment: {c.comment}"
    return {
        "type": ["Evidence"],
        "name": f"{KIND_NAMES.get(entry.kind, entry.kind)} on {entry.on.isoformat()}: {_hours(entry.hours)}",
        "description": f"{entry.description} (counts toward {label}).",
        "genre": f"{c.role.capitalize()} confirmation",
        "narrative": narrative,
    }


def status_entry(index: int, base: str) -> dict:
    url = base + STATUS_PATH
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def status_list_credential(revoked: set[int], base: str, issuer: dict, now: datetime) -> dict:
    """The portfolio revocation list: one bit per share link, set once the holder revoked the link."""
    url = base + STATUS_PATH
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(issuer, base)["id"],
        "validFrom": _iso(now),
        # Verifiers should fetch a fresh list rather than trust an old copy after a day.
        "validUntil": _iso(now + timedelta(days=1)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked, STATUS_LIST_SIZE),
        },
    }


def claims(snapshot: PortfolioSnapshot, base: str) -> dict:
    """The JWT claims to sign: the credential with iss, sub, jti, nbf and exp (OB 3.0 section 8.2.4)."""
    return jwt_claims(build_credential(snapshot, base))
