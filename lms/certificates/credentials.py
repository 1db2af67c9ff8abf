"""Open Badges 3.0 AchievementCredentials as VC-JWT (OB 3.0 section 8.2), and Bitstring Status Lists.

The JWT payload is the credential itself with the registered claims mapped as the spec says:
iss = issuer.id, sub = credentialSubject.id, jti = id, nbf = validFrom, exp = validUntil.
The holder's percent score is never included: `result` says only that the course was completed.
"""

import base64
import gzip
import uuid
from datetime import UTC, datetime, timedelta

from .models import Certificate

OB_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
#: W3C Bitstring Status List: at least 16 KiB of bits, so one certificate hides among 131,072 positions
STATUS_LIST_SIZE = 16 * 1024 * 8
PURPOSES = ("revocation", "suspension", "message")
#: The status message list (Bitstring Status List v1.0, statusPurpose "message"): two bits per certificate.
#: Open Badges 3.0 allows one credentialStatus object, so a credential points at this one list, from which a
#: standard verifier learns revoked and suspended alike. The revocation and suspension lists (one bit each,
#: same index) stay published for credentials issued before it and for verifiers that read them.
STATUS_SIZE = 2
VALID, REVOKED_STATUS, SUSPENDED_STATUS, REPLACED_STATUS = 0, 1, 2, 3
STATUS_MESSAGES = (
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "revoked"},
    {"status": "0x2", "message": "suspended"},
    {"status": "0x3", "message": "replaced by a newer certificate"},
)


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> int:
    return int(moment.replace(microsecond=0, tzinfo=UTC).timestamp())


def issuer_profile(issuer: dict, base: str) -> dict:
    profile = {"id": f"{base}/issuer", "type": ["Profile"], "name": issuer["name"], "url": base + "/"}
    if issuer.get("accreditation"):
        profile["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": issuer["accreditation"],
                "identifierType": "ext:accreditationNumber",
            }
        ]
        if issuer.get("accredited_by"):
            profile["description"] = (
                f"Approved by {issuer['accredited_by']}, approval number {issuer['accreditation']}."
            )
    return profile


def build_credential(cert: Certificate, base: str, subject_id: str | None = None) -> dict:
    """The credential for a certificate, as a JSON-ready dict."""
    achievement_id = f"{base}/courses/{cert.course_slug}/achievement/{cert.course_fingerprint[:16]}"
    hours_text = ", ".join(f"{domain.replace('-', ' ')} {h:g}" for domain, h in cert.hours_by_domain.items())
    description = f"Completion of {cert.course_title} (content version {cert.course_fingerprint[:12]})."
    if cert.hours:
        description += f" Contact hours: {cert.total_hours:g}" + (f" ({hours_text})." if hours_text else ".")
    status_description = {
        "id": f"{achievement_id}/results/completion",
        "type": ["ResultDescription"],
        "name": "Course outcome",
        "resultType": "Status",
    }
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": cert.title,
        "description": description,
        "criteria": {
            "narrative": "Read every lesson of the course, pass every required role-play assessment "
            "(including trainer-graded written answers)"
            + (" and sign the course's attestation." if cert.attestation_signed_at else ".")
        },
        "creditsAvailable": cert.total_hours,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": c["name"],
                "targetCode": c["id"],
                "targetUrl": f"{base}/competencies#{c['id']}",
                "targetType": "ceasn:Competency",
            }
            for c in cert.competencies
        ],
        "resultDescription": [status_description],
    }
    credential = {
        "@context": OB_CONTEXT,
        "id": f"{base}/verify/{cert.id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": cert.title,
        "issuer": issuer_profile(cert.issuer, base),
        "validFrom": _iso(cert.issued_at),
        "credentialSubject": {
            "id": subject_id or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base + '/holder/' + cert.id)}",
            "type": ["AchievementSubject"],
            "identifier": [
                {"type": "IdentityObject", "hashed": False, "identityHash": cert.holder_name, "identityType": "name"}
            ],
            "achievement": achievement,
            "result": [{"type": ["Result"], "resultDescription": status_description["id"], "status": "Completed"}],
            "creditsEarned": cert.total_hours,
        },
        "credentialStatus": status_entry(cert, base, "message"),
    }
    if cert.expires_at is not None:
        credential["validUntil"] = _iso(cert.expires_at)
    return credential


def status_entry(cert: Certificate, base: str, purpose: str) -> dict:
    url = f"{base}/status/{purpose}"
    entry = {
        "id": f"{url}#{cert.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(cert.status_index),
        "statusListCredential": url,
    }
    if purpose == "message":
        entry.update(statusSize=STATUS_SIZE, statusMessage=[dict(m) for m in STATUS_MESSAGES])
    return entry


def jwt_claims(credential: dict) -> dict:
    """The credential with the JWT registered claims OB 3.0 section 8.2.4 maps onto it."""
    claims = dict(credential)
    issuer = credential["issuer"]
    claims["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    claims["sub"] = credential["credentialSubject"]["id"]
    claims["jti"] = credential["id"]
    claims["nbf"] = _epoch(datetime.strptime(credential["validFrom"], "%Y-%m-%dT%H:%M:%SZ"))
    if "validUntil" in credential:
        claims["exp"] = _epoch(datetime.strptime(credential["validUntil"], "%Y-%m-%dT%H:%M:%SZ"))
    return claims


def encode_bitstring(indexes: set[int] | dict[int, int], size: int = STATUS_LIST_SIZE, status_size: int = 1) -> str:
    """Multibase base64url (no padding) of the GZIP of the bits; index 0 is the first byte's top bit.

    `indexes` is a set of indexes whose one bit is set, or (status_size > 1) index -> status value, each
    written in `status_size` bits, most significant first, at bit index × status_size.
    """
    values = indexes if isinstance(indexes, dict) else dict.fromkeys(indexes, 1)
    bits = bytearray(size * status_size // 8)
    for index, value in values.items():
        for n in range(status_size):
            if value >> (status_size - 1 - n) & 1:
                position = index * status_size + n
                bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_bitstring(encoded: str) -> bytes:
    data = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_list_credential(
    purpose: str, indexes: set[int] | dict[int, int], base: str, issuer: dict, now: datetime
) -> dict:
    url = f"{base}/status/{purpose}"
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
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(indexes, status_size=STATUS_SIZE if purpose == "message" else 1),
        },
    }
