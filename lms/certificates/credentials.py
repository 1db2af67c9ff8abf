"""Open Badges 3.0 AchievementCredentials as VC-JWT (OB 3.0 section 8.2), and Bitstring Status Lists.

The JWT payload is the credential itself with the registered claims mapped as the spec says:
iss = issuer.id, sub = credentialSubject.id, jti = id, nbf = validFrom, exp = validUntil.
The holder's percent score is never included: `result` says only that the course was completed.
"""
import base64
import gzip
import uuid
from datetime import datetime, timedelta, timezone

from .models import Certificate

OB_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
#: W3C Bitstring Status List: at least 16 KiB of bits, so one certificate hides among 131,072 positions
STATUS_LIST_SIZE = 16 * 1024 * 8
PURPOSES = ("revocation", "suspension")


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: datetime) -> int:
    return int(moment.replace(microsecond=0, tzinfo=timezone.utc).timestamp())


def issuer_profile(issuer: dict, base: str) -> dict:
    profile = {"id": f"{base}/issuer", "type": ["Profile"], "name": issuer["name"], "url": base + "/"}
    if issuer.get("accreditation"):
        profile["otherIdentifier"] = [{"type": "IdentifierEntry", "identifier": issuer["accreditation"],
                                       "identifierType": "ext:accreditationNumber"}]
        if issuer.get("accredited_by"):
            profile["description"] = f"Approved by {issuer['accredited_by']}, approval number {issuer['accreditation']}."
    return profile


def build_credential(cert: Certificate, base: str, subject_id: str | None = None) -> dict:
    """The credential for a certificate, as a JSON-ready dict."""
    achievement_id = f"{base}/courses/{cert.course_slug}/achievement/{cert.course_fingerprint[:16]}"
    hours_text = ", ".join(f"{domain.replace('-', ' ')} {h:g}" for domain, h in cert.hours.items())
    description = f"Completion of {cert.course_title} (content version {cert.course_fingerprint[:12]})."
    if cert.hours:
        description += f" Contact hours: {cert.total_hours:g}" + (f" ({hours_text})." if hours_text else ".")
    status_description = {"id": f"{achievement_id}/results/completion", "type": ["ResultDescription"],
                          "name": "Course outcome", "resultType": "Status"}
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": cert.title,
        "description": description,
        "criteria": {"narrative": "Read every lesson of the course, pass every required role-play assessment "
                                  "(including trainer-graded written answers) and sign the course's attestation."},
        "creditsAvailable": cert.total_hours,
        "alignment": [{"type": ["Alignment"], "targetName": c["name"], "targetCode": c["id"],
                       "targetUrl": f"{base}/competencies#{c['id']}", "targetType": "ceasn:Competency"}
                      for c in cert.competencies],
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
            "identifier": [{"type": "IdentityObject", "hashed": False, "identityHash": cert.holder_name,
                            "identityType": "name"}],
            "achievement": achievement,
            "result": [{"type": ["Result"], "resultDescription": status_description["id"], "status": "Completed"}],
            "creditsEarned": cert.total_hours,
        },
        "credentialStatus": status_entry(cert, base, "revocation"),
    }
    if cert.expires_at is not None:
        credential["validUntil"] = _iso(cert.expires_at)
    return credential


def status_entry(cert: Certificate, base: str, purpose: str) -> dict:
    url = f"{base}/status/{purpose}"
    return {"id": f"{url}#{cert.status_index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(cert.status_index), "statusListCredential": url}


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


def encode_bitstring(indexes: set[int], size: int = STATUS_LIST_SIZE) -> str:
    """Multibase base64url (no padding) of the GZIP of the bits; index 0 is the first byte's top bit."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_bitstring(encoded: str) -> bytes:
    data = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def status_list_credential(purpose: str, indexes: set[int], base: str, issuer: dict, now: datetime) -> dict:
    url = f"{base}/status/{purpose}"
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(issuer, base)["id"],
        "validFrom": _iso(now),
        # Verifiers should fetch a fresh list rather than trust an old copy after a day.
        "validUntil": _iso(now + timedelta(days=1)),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": purpose,
                              "encodedList": encode_bitstring(indexes)},
    }
