"""Revocation and suspension bind the holder (security assessment F3), and suspension is visible to verifiers (F13).

A trainee whose certificate for a course (any version of it) is revoked or suspended gets no new one,
by claiming or by renewal, until a trainer decides so on the record; a suspended certificate is never
replaced by a valid one.
"""

import json
from datetime import timedelta

import jwt as pyjwt
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from jsonschema import Draft201909Validator
from sqlalchemy import func, select, text

from lms.audit import AuditEvent
from lms.auth.models import User
from lms.certificates import credentials
from lms.certificates.issue import IssueError, issue
from lms.certificates.models import Certificate, CertificateRequest
from lms.clock import utcnow
from lms.content import catalog
from lms.extensions import db

from certificate_helpers import claim, content_variant, pass_everything
from helpers import PASSWORD, join_cohort_of, post

SCHEMA = "/work/shared/standards/ob3/ob_v3p0_achievementcredential_schema.json"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


def _signed_in(app, email: str):
    client = app.test_client()
    assert post(client, "/account/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def _staff_action(coach, cert_id: str, data: dict):
    page = f"/staff/certificates/{cert_id}"
    return post(coach, page, data, page=page)


def _set_status(coach, cert_id: str, action: str, reason: str):
    response = _staff_action(
        coach, cert_id, {"form": "status", "status-action": action, "status-reason": reason, "status-confirm": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def course_app(app_factory, tmp_path, make_user):
    """A course whose certificates last 12 months; a trainee who holds one, and a trainer."""
    app = app_factory(CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  validity_months: 12\n")))
    with app.app_context():
        user_id = make_user(email="t@example.org").id
        make_user(email="coach@example.org", role="trainer")
        join_cohort_of("coach@example.org", user_id)  # trainers act on their own cohorts' trainees only
    trainee, coach = _signed_in(app, "t@example.org"), _signed_in(app, "coach@example.org")
    pass_everything(app, trainee, user_id, finished_at=utcnow() - timedelta(days=400))
    assert claim(trainee).status_code == 302
    with app.app_context():
        cert_id = db.session.scalars(select(Certificate)).one().id
    return app, trainee, coach, user_id, cert_id


def _into_renewal_window(app, cert_id: str) -> None:
    with app.app_context():
        cert = db.session.get(Certificate, cert_id)
        cert.issued_at -= timedelta(days=340)
        cert.expires_at -= timedelta(days=340)  # expires in about 25 days
        db.session.commit()


def test_a_revoked_certificate_cannot_be_claimed_again(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _set_status(coach, cert_id, "revoke", "Obtained by misrepresentation")
    page = trainee.get("/courses/sample/certificate")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Your certificate {cert_id} for this course was revoked" in html
    assert 'name="holder_name"' not in html, "no claim form"
    assert "Obtained by misrepresentation" not in html, "the reason is for the record, not this page"
    again = claim(trainee)
    assert again.status_code == 403 and "was revoked" in again.get_data(as_text=True)
    with app.app_context():
        assert _count() == 1
        assert db.session.get(Certificate, cert_id).status == "revoked"


def test_a_revoked_certificate_of_an_earlier_course_version_binds_too(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _set_status(coach, cert_id, "revoke", "Code of ethics breach")
    with app.app_context():
        db.session.get(Certificate, cert_id).course_fingerprint = "0" * 64  # issued for an older version
        db.session.commit()
    assert claim(trainee).status_code == 403
    with app.app_context():
        assert _count() == 1


def test_a_suspended_certificate_cannot_be_renewed_into_a_valid_one(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _into_renewal_window(app, cert_id)
    _set_status(coach, cert_id, "suspend", "Complaint under review")
    pass_everything(app, trainee, user_id)  # fresh passes: the renewal would otherwise go through
    html = trainee.get("/courses/sample/certificate").get_data(as_text=True)
    assert f"Your certificate {cert_id} is suspended" in html and 'name="holder_name"' not in html
    assert claim(trainee).status_code == 403
    with app.app_context():
        assert _count() == 1
        cert = db.session.get(Certificate, cert_id)
        assert cert.status == "suspended" and cert.superseded_by_id is None
    visitor = app.test_client()
    assert visitor.get(f"/api/v1/certificates/{cert_id}").get_json()["status"] == "suspended"
    assert "Suspended" in visitor.get(f"/verify/{cert_id}").get_data(as_text=True)


def test_reinstating_a_suspended_certificate_lets_the_holder_renew(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _into_renewal_window(app, cert_id)
    _set_status(coach, cert_id, "suspend", "Complaint under review")
    _set_status(coach, cert_id, "reinstate", "Complaint resolved")
    pass_everything(app, trainee, user_id)
    assert claim(trainee).status_code == 302
    with app.app_context():
        old = db.session.get(Certificate, cert_id)
        assert old.status == "superseded" and db.session.get(Certificate, old.superseded_by_id).status == "valid"


def test_after_a_revocation_only_a_trainers_recorded_decision_allows_a_new_certificate(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _set_status(coach, cert_id, "revoke", "Issued before the ethics module was graded")
    form = {"form": "recertify", "recertify-reason": ""}
    assert _staff_action(coach, cert_id, form).status_code == 422, "a reason is required"
    assert _staff_action(trainee, cert_id, dict(form, **{"recertify-reason": "let me"})).status_code == 403
    assert claim(trainee).status_code == 403
    allowed = _staff_action(coach, cert_id, dict(form, **{"recertify-reason": "Ethics module re-taken and graded"}))
    assert allowed.status_code == 302
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.recertification_allowed")
        ).one()
        coach_uuid = db.session.execute(db.text("SELECT uuid FROM \"user\" WHERE email = 'coach@example.org'")).scalar()
        assert event.subject == f"certificate:{cert_id}" and event.actor == f"user:{coach_uuid}"
        assert event.details["reason"] == "Ethics module re-taken and graded"
        revoked = db.session.get(Certificate, cert_id)
        assert (
            revoked.recertification_allowed_by == f"user:{coach_uuid}"
            and revoked.recertification_allowed_at is not None
        )
    manage = coach.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert "Re-certification allowed" in manage and "Ethics module re-taken and graded" in manage
    assert claim(trainee).status_code == 302
    with app.app_context():
        assert _count() == 2
        new = db.session.scalars(select(Certificate).where(Certificate.id != cert_id)).one()
        assert new.status == "valid" and new.replaces_id is None
        assert db.session.get(Certificate, cert_id).status == "revoked", "the revocation stands"


def test_re_certification_is_only_for_revoked_certificates(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    for action in (None, "suspend"):
        if action:
            _set_status(coach, cert_id, action, "Complaint under review")
        response = _staff_action(coach, cert_id, {"form": "recertify", "recertify-reason": "why not"})
        assert response.status_code == 422 and "Only a revoked certificate" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Certificate, cert_id).recertification_allowed_at is None


def test_a_trainer_cannot_approve_a_renewal_over_a_suspended_certificate(app_factory, tmp_path, make_user):
    root = content_variant(tmp_path, "certificate:\n  approval: trainer\n  validity_months: 12\n")
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        user_id = make_user(email="t@example.org").id
        make_user(email="coach@example.org", role="trainer")
        join_cohort_of("coach@example.org", user_id)  # trainers act on their own cohorts' trainees only
    trainee, coach = _signed_in(app, "t@example.org"), _signed_in(app, "coach@example.org")
    pass_everything(app, trainee, user_id, finished_at=utcnow() - timedelta(days=400))
    claim(trainee)
    with app.app_context():
        first = db.session.scalars(select(CertificateRequest)).one().id
    post(coach, f"/staff/certificates/requests/{first}", {"decision": "approve"}, page="/staff/certificates/")
    with app.app_context():
        cert_id = db.session.scalars(select(Certificate)).one().id
    _into_renewal_window(app, cert_id)
    pass_everything(app, trainee, user_id)
    claim(trainee)  # a renewal request, waiting for a trainer
    with app.app_context():
        renewal = db.session.scalars(select(CertificateRequest).where(CertificateRequest.state == "pending")).one().id
    _set_status(coach, cert_id, "suspend", "Complaint under review")
    response = post(
        coach,
        f"/staff/certificates/requests/{renewal}",
        {"decision": "approve"},
        page="/staff/certificates/",
        follow_redirects=True,
    )
    assert f"Certificate {cert_id} is suspended" in response.get_data(as_text=True)
    with app.app_context():
        assert _count() == 1 and db.session.get(Certificate, cert_id).status == "suspended"
        assert db.session.get(CertificateRequest, renewal).state == "pending"


def test_a_suspended_certificate_reissued_stays_suspended(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    _set_status(coach, cert_id, "suspend", "Complaint under review")
    response = _staff_action(
        coach,
        cert_id,
        {"form": "reissue", "reissue-holder_name": "Test Person New-Name", "reissue-reason": "Legal name change"},
    )
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get(Certificate, cert_id)
        new = db.session.get(Certificate, old.superseded_by_id)
        assert new.status == "suspended"
        new_index = new.status_index
    visitor = app.test_client()
    assert visitor.get(f"/api/v1/certificates/{new.id}").get_json()["status"] == "suspended"
    assert _bit(visitor, "/status/suspension", new_index) == 1
    assert claim(trainee).status_code == 403, "the reissued certificate still binds"


def _bit(client, url: str, index: int, size: int = 1) -> int:
    """Fetch a status list through the app, decode its bitstring (multibase 'u', base64url, gzip), and read
    the `size` bits at `index` (Bitstring Status List v1.0: entry i is bits i*size .. i*size+size-1)."""
    assert url.startswith("https://lms.example.org/") or url.startswith("/")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1] if "://" in url else url
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    body = jwt.decode(client.get(path).get_data(as_text=True), key_set, algorithms=["RS256"]).claims
    assert body["id"] == f"https://lms.example.org{path}"
    encoded = body["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = credentials.decode_bitstring(encoded)
    value = 0
    for position in range(index * size, index * size + size):
        value = value << 1 | (bits[position // 8] >> (7 - position % 8)) & 1
    return value


def test_re_certification_from_the_shell_is_recorded_too(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    runner = app.test_cli_runner()
    with app.app_context():
        refused = runner.invoke(args=["certificates", "allow-recertification", cert_id, "--reason", "x"])
        assert refused.exit_code == 1 and "Only a revoked certificate" in refused.output
        runner.invoke(args=["certificates", "revoke", cert_id, "--reason", "Issued in error"])
        done = runner.invoke(args=["certificates", "allow-recertification", cert_id, "--reason", "Board agreed"])
        assert done.exit_code == 0 and "stays revoked" in done.output
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.recertification_allowed")
        ).one()
        assert event.details["reason"] == "Board agreed"
    assert claim(trainee).status_code == 302


def test_a_standard_verifier_learns_of_a_suspension_from_the_credential_alone(course_app):
    """F13: the credential's one status entry (Open Badges 3.0 allows one) is a status message list with
    two bits per certificate, so a Bitstring Status List verifier reads "suspended" (or "revoked") from it.
    The one-bit revocation and suspension lists stay published at the same index."""
    app, trainee, coach, user_id, cert_id = course_app
    _set_status(coach, cert_id, "suspend", "Complaint under review")
    visitor = app.test_client()
    token = visitor.get(f"/api/v1/certificates/{cert_id}/credential").get_data(as_text=True)
    claims = pyjwt.decode(token, options={"verify_signature": False})
    entry = claims["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "message"
    assert entry["statusSize"] == 2
    index = int(entry["statusListIndex"])
    value = _bit(visitor, entry["statusListCredential"], index, size=entry["statusSize"])
    message = next(m["message"] for m in entry["statusMessage"] if int(m["status"], 16) == value)
    assert message == "suspended"
    base = entry["statusListCredential"].rsplit("/", 1)[0]
    assert _bit(visitor, base + "/revocation", index) == 0 and _bit(visitor, base + "/suspension", index) == 1

    _set_status(coach, cert_id, "reinstate", "Complaint resolved")
    assert _bit(visitor, entry["statusListCredential"], index, size=2) == 0
    _set_status(coach, cert_id, "revoke", "Obtained by misrepresentation")
    value = _bit(visitor, entry["statusListCredential"], index, size=2)
    assert next(m["message"] for m in entry["statusMessage"] if int(m["status"], 16) == value) == "revoked"

    with open(SCHEMA) as fh:
        validator = Draft201909Validator(json.load(fh))
    credential = {k: v for k, v in claims.items() if k not in ("iss", "sub", "jti", "nbf", "exp")}
    assert list(validator.iter_errors(credential)) == []
    both = dict(credential, credentialStatus=[entry, dict(entry, statusPurpose="suspension")])
    assert list(validator.iter_errors(both)), "the Open Badges 3.0 schema refuses two entries: keep one"


def test_a_suspension_committed_during_a_renewal_is_not_overwritten(course_app):
    app, trainee, coach, user_id, cert_id = course_app
    with app.app_context():
        stale = db.session.get(Certificate, cert_id)  # loaded by the renewal while still valid
        db.session.execute(text("UPDATE certificate SET status = 'suspended' WHERE id = :id"), {"id": cert_id})
        course = catalog().course("sample")
        with pytest.raises(IssueError, match="is suspended and cannot be renewed"):
            issue(db.session.get(User, user_id), catalog(), course, "Test Person Legal", None, replaces=stale)
        db.session.commit()
        assert _count() == 1 and db.session.get(Certificate, cert_id).status == "suspended"
