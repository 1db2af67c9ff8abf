"""Certificates: issue, PDF with QR and embedded credential, signed credential, verification, lifecycle."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.certificates import credentials
from lms.certificates.ids import normalise
from lms.certificates.models import AttestationSignature, Certificate
from lms.clock import utcnow
from lms.extensions import db

from certificate_helpers import (
    check_archival,
    check_tagged,
    claim,
    content_variant,
    pass_everything,
    pdf_text,
    qr_codes,
    structure,
)
from helpers import BUNDLED_CONTENT, PASSWORD, join_cohort_of, post

SCHEMA = "/work/shared/standards/ob3/ob_v3p0_achievementcredential_schema.json"


def only_certificate() -> Certificate:
    db.session.expire_all()
    return db.session.scalars(select(Certificate)).one()


@pytest.fixture
def certified(app, client, trainee):
    """A trainee who has completed the sample course and claimed the certificate."""
    pass_everything(app, client, trainee.id)
    response = claim(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return only_certificate()


def test_certificate_needs_every_module_complete(client, trainee):
    page = client.get("/courses/sample/certificate").get_data(as_text=True)
    assert "complete every module" in page and "Listening" in page and "Safety First" in page
    response = claim(client)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_completing_the_course_issues_one_certificate_even_on_double_submit(app, client, trainee):
    pass_everything(app, client, trainee.id)
    assert "Get your certificate" in client.get("/courses/sample/").get_data(as_text=True)
    first = claim(client)
    second = claim(client)
    assert first.status_code == second.status_code == 302
    cert = only_certificate()
    assert first.location == second.location == f"/certificates/{cert.id}"
    assert normalise(cert.id) == cert.id and len(cert.id) == 24
    assert cert.holder_name == "Test Person Legal" and cert.course_title == "Sample Course"
    assert cert.hours == {"mentoring": 2.0, "ethics": 1.0} and cert.expires_at is None
    assert {c["id"] for c in cert.competencies} == {"reflective-listening", "open-questions"}
    assert cert.pdf.startswith(b"%PDF") and cert.credential.count(".") == 2


def test_the_live_certificate_is_unique_in_the_database(app, certified):
    from sqlalchemy.exc import IntegrityError

    clone = Certificate(
        id="0000-0000-0000-0000-0000",
        user_id=certified.user_id,
        course_slug=certified.course_slug,
        course_fingerprint=certified.course_fingerprint,
        course_title="x",
        title="x",
        holder_name="x",
        hours={},
        competencies=[],
        issuer={},
        status_index=1,
        credential="x",
        pdf=b"x",
    )
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_credential_verifies_with_an_independent_jose_library_and_tampering_fails(client, certified):
    from joserfc import jws, jwt
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import KeySet

    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    token = client.get(f"/api/v1/certificates/{certified.id}/credential").get_data(as_text=True)
    decoded = jwt.decode(token, key_set, algorithms=["RS256"])
    header, claims = decoded.header, decoded.claims
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith("https://lms.example.org/keys/")
    assert (
        claims["iss"] == claims["issuer"]["id"]
        and claims["jti"] == claims["id"] == f"https://lms.example.org/verify/{certified.id}"
    )
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == int(certified.issued_at.replace(tzinfo=__import__("datetime").timezone.utc).timestamp())
    subject = claims["credentialSubject"]
    assert subject["result"][0]["status"] == "Completed" and "value" not in subject["result"][0], "no percent"
    assert subject["creditsEarned"] == 3.0 and subject["identifier"][0]["identityHash"] == "Test Person Legal"
    assert claims["credentialStatus"]["statusPurpose"] == "message" and claims["credentialStatus"]["statusSize"] == 2
    # The same token with one payload byte changed no longer verifies.
    head, payload, signature = token.split(".")
    tampered_claims = dict(claims, creditsEarned=300.0)
    from joserfc.util import urlsafe_b64encode

    forged = ".".join([head, urlsafe_b64encode(json.dumps(tampered_claims).encode()).decode().rstrip("="), signature])
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, key_set, algorithms=["RS256"])
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), key_set.keys[0])


def test_credential_validates_against_the_official_open_badges_schema(client, certified):
    from jsonschema import Draft201909Validator

    with open(SCHEMA) as fh:
        schema = json.load(fh)
    token = client.get(f"/api/v1/certificates/{certified.id}/credential").get_data(as_text=True)
    import jwt as pyjwt

    payload = pyjwt.decode(token, options={"verify_signature": False})
    credential = {k: v for k, v in payload.items() if k not in ("iss", "sub", "jti", "nbf", "exp")}
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(credential), key=str)
    assert errors == []
    assert credential["@context"] == credentials.OB_CONTEXT


def pdf_reader(data: bytes):
    from io import BytesIO

    from pypdf import PdfReader

    return PdfReader(BytesIO(data))


def test_pdf_has_the_name_course_and_id_a_qr_to_the_verification_page_and_the_credential(client, certified, tmp_path):
    response = client.get(f"/certificates/{certified.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    assert "Test Person Legal" in text and "Sample Course" in text and certified.id in text
    assert "3 contact hours" in text and "Mentoring 2" in text and "Training Director" in text
    # The certificate's title is the course's: the heading says it, the text does not say it again.
    assert (
        text.count("Sample Course") == 1 and "This certifies that Test Person Legal has completed this course" in text
    )
    # What the hours are made of: the sample course's 180 module minutes, and no live sessions.
    assert "Earned through 3 hours of self-study modules; the transcript lists each one." in text
    assert len(pdf_reader(response.data).pages) == 1
    assert qr_codes(response.data, tmp_path) == [f"https://lms.example.org/verify/{certified.id}"]
    from io import BytesIO

    from pypdf import PdfReader

    attachments = PdfReader(BytesIO(response.data)).attachments
    assert list(attachments) == [f"certificate-{certified.id}.jwt"]
    assert attachments[f"certificate-{certified.id}.jwt"][0].decode() == certified.credential


def test_pdf_is_tagged_and_archival_and_its_embedded_credential_verifies_and_names_the_qr_codes_id(
    client, certified, tmp_path
):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    pdf = client.get(f"/certificates/{certified.id}/certificate.pdf").data
    check_tagged(pdf, "Sample Course: Test Person Legal")
    check_archival(pdf)
    verify_url = f"https://lms.example.org/verify/{certified.id}"
    assert [alt for tag, alt in structure(pdf) if tag == "/Figure"] == [
        f"QR code: verify this certificate at {verify_url}"
    ]
    # The credential is the PDF/A-3 associated file the certificate was made from.
    (spec,) = [spec.get_object() for spec in pdf_reader(pdf).trailer["/Root"]["/AF"]]
    assert spec["/AFRelationship"] == "/Source" and spec["/F"] == f"certificate-{certified.id}.jwt"
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/vc+jwt"
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    claims = jwt.decode(embedded.get_data().decode(), key_set, algorithms=["RS256"]).claims
    assert claims["id"] == claims["jti"] == verify_url
    assert claims["credentialSubject"]["identifier"][0]["identityHash"] == "Test Person Legal"
    assert qr_codes(pdf, tmp_path) == [claims["id"]]


def test_bundled_course_certificate_is_one_page_and_names_its_course_once(app_factory):
    from lms.auth.operations import create_user
    from lms.certificates.issue import issue
    from lms.content import catalog

    app = app_factory(
        CONTENT_DIR=str(BUNDLED_CONTENT),
        ISSUER_ACCREDITATION="PST-0417",
        ISSUER_ACCREDITED_BY="State Peer Certification Board",
    )
    name = "Maria Guadalupe Hernández-Castellanos"
    with app.app_context():
        user = create_user("long@example.org", PASSWORD, "Maria", name, privacy_accepted=True)
        course = catalog().course("peer-specialist-core")
        cert = issue(user, catalog(), course, name, utcnow())
        db.session.commit()
        pdf, title = cert.pdf, cert.title
    text = " ".join(pdf_text(pdf).split())
    assert len(pdf_reader(pdf).pages) == 1, "13 modules' competencies and the approval line still fit on one page"
    assert text.count("Peer Specialist Core Training") == 1
    assert f"{title} This certifies that {name} has completed this course" in text
    assert "46 contact hours" in text and "approval number PST-0417" in text and "Code of ethics signed" in text
    check_tagged(pdf, f"{title}: {name}")
    check_archival(pdf)


def test_certificate_text_reads_naturally_for_one_hour_and_its_own_title(app_factory, tmp_path):
    from lms.auth.operations import create_user
    from lms.certificates.issue import issue
    from lms.content import catalog

    root = content_variant(tmp_path, "certificate:\n  title: Certificate in Peer Listening\n")
    course_file = root / "courses/sample.md"
    course_file.write_text(course_file.read_text().replace("hours: {mentoring: 2, ethics: 1}", "hours: {ethics: 1}"))
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        user = create_user("one@example.org", PASSWORD, "One", "Robin Quinn", privacy_accepted=True)
        cert = issue(user, catalog(), catalog().course("sample"), "Robin Quinn", None)
        db.session.commit()
        text = " ".join(pdf_text(cert.pdf).split())
    assert (
        "Certificate in Peer Listening This certifies that Robin Quinn has completed the course Sample Course" in text
    )
    assert "1 contact hour: Ethics 1" in text and "contact hours" not in text


def test_downloads_are_stored_reads_and_private_to_the_holder(app, client, certified, make_user):
    assert client.get(f"/certificates/{certified.id}/certificate.pdf").data == certified.pdf
    assert client.get(f"/certificates/{certified.id}/certificate.pdf").data == certified.pdf, (
        "byte-identical every time"
    )
    make_user(email="other@example.org")
    other = app.test_client()
    post(other, "/account/login", {"email": "other@example.org", "password": PASSWORD})
    for url in [
        f"/certificates/{certified.id}",
        f"/certificates/{certified.id}/certificate.pdf",
        f"/certificates/{certified.id}/credential.jwt",
    ]:
        assert other.get(url).status_code == 404, url
    assert other.get(f"/verify/{certified.id}").status_code == 200, "verification is public"


def test_verification_page_json_and_bulk_show_only_what_a_board_needs(app, client, certified):
    visitor = app.test_client()
    page = visitor.get(f"/verify/{certified.id.lower().replace('-', '')}", follow_redirects=True).get_data(as_text=True)
    assert "Valid: this certificate is genuine and current." in page
    assert "Test Person Legal" in page and "Sample Course" in page and "trainee@example.org" not in page
    record = visitor.get(f"/api/v1/certificates/{certified.id}").get_json()
    assert record["status"] == "valid" and record["holder"] == "Test Person Legal"
    assert (
        record["hours"] == {"total": 3.0, "by_domain": {"mentoring": 2.0, "ethics": 1.0}} and record["expires"] is None
    )
    assert set(record) == {
        "id",
        "status",
        "status_text",
        "holder",
        "course",
        "certificate",
        "course_version",
        "hours",
        "issued",
        "expires",
        "issuer",
    }
    bulk = visitor.post(
        "/api/v1/certificates/verify", json={"ids": [certified.id, "nope", "0000-0000-0000-0000-0000"]}
    ).get_json()
    assert [r["status"] for r in bulk["results"]] == ["valid", "invalid", "not_found"]


def test_a_mistyped_id_is_caught_before_lookup(app, certified):
    visitor = app.test_client()
    wrong = certified.id[:-1] + ("0" if certified.id[-1] != "0" else "1")
    response = visitor.get(f"/api/v1/certificates/{wrong}")
    assert response.status_code == 400 and "typing mistake" in response.get_json()["error"]
    page = visitor.get(f"/verify?id={wrong}")
    assert page.status_code == 400 and "typing mistake" in page.get_data(as_text=True)
    assert visitor.get("/api/v1/certificates/0000-0000-0000-0000-0000").status_code == 404
    assert visitor.get("/verify?id=U000").status_code == 400


def test_revoked_shows_as_revoked_on_the_page_json_bulk_and_status_list(app, client, certified, runner):
    result = runner.invoke(args=["certificates", "revoke", certified.id, "--reason", "Obtained by misrepresentation"])
    assert result.exit_code == 0, result.output
    visitor = app.test_client()
    assert "Revoked: this certificate is no longer valid." in visitor.get(f"/verify/{certified.id}").get_data(
        as_text=True
    )
    assert visitor.get(f"/api/v1/certificates/{certified.id}").get_json()["status"] == "revoked"
    assert (
        visitor.post("/api/v1/certificates/verify", json={"ids": [certified.id]}).get_json()["results"][0]["status"]
        == "revoked"
    )
    from helpers import csrf_token

    upload = visitor.post(
        "/verify/bulk",
        data={
            "csrf_token": csrf_token(visitor, "/verify/bulk"),
            "file": (io.BytesIO(f"id\n{certified.id}\n".encode()), "ids.csv"),
        },
        content_type="multipart/form-data",
    )
    rows = list(csv.DictReader(io.StringIO(upload.get_data(as_text=True))))
    assert rows[0]["status"] == "revoked" and rows[0]["holder"] == "Test Person Legal"
    assert "Obtained by misrepresentation" not in visitor.get(f"/verify/{certified.id}").get_data(as_text=True)
    assert _status_bit(visitor, "revocation", certified.status_index) == 1
    assert _status_bit(visitor, "suspension", certified.status_index) == 0


def _status_bit(client, purpose: str, index: int) -> int:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    token = client.get(f"/status/{purpose}").get_data(as_text=True)
    body = jwt.decode(token, key_set, algorithms=["RS256"]).claims
    assert body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = credentials.decode_bitstring(body["credentialSubject"]["encodedList"])
    assert len(bits) == 16 * 1024
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_suspend_and_reinstate_from_the_staff_page_with_an_audit_trail(app, client, certified, make_user):
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", certified.user_id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    page = f"/staff/certificates/{certified.id}"
    missing_reason = post(coach, page, {"form": "status", "status-action": "suspend", "status-reason": ""}, page=page)
    assert missing_reason.status_code == 422 and only_certificate().status == "valid"
    post(
        coach,
        page,
        {"form": "status", "status-action": "suspend", "status-reason": "Complaint under review"},
        page=page,
    )
    assert only_certificate().status == "suspended"
    assert app.test_client().get(f"/api/v1/certificates/{certified.id}").get_json()["status"] == "suspended"
    assert _status_bit(app.test_client(), "suspension", certified.status_index) == 1
    post(
        coach, page, {"form": "status", "status-action": "reinstate", "status-reason": "Complaint resolved"}, page=page
    )
    assert only_certificate().status == "valid"
    trail = coach.get(page).get_data(as_text=True)  # the certificate's own events, on its page
    assert "certificate.suspended" in trail and "certificate.reinstated" in trail and "Complaint resolved" in trail
    make_user(email="admin@example.org", role="admin")
    admin = app.test_client()
    post(admin, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    log = admin.get("/admin/audit/").get_data(as_text=True)
    assert "certificate.suspended" in log and "certificate.reinstated" in log and "Complaint resolved" in log
    assert client.get("/admin/audit/").status_code == 403 and coach.get("/admin/audit/").status_code == 403, (
        "admins only"
    )


def test_reissue_supersedes_the_old_certificate_which_names_its_replacement(app, certified, make_user):
    make_user(email="admin@example.org", role="admin")
    admin = app.test_client()
    post(admin, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    page = f"/staff/certificates/{certified.id}"
    response = post(
        admin,
        page,
        {"form": "reissue", "reissue-holder_name": "Test Person New-Name", "reissue-reason": "Legal name change"},
        page=page,
    )
    assert response.status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, certified.id)
    new = db.session.get(Certificate, old.superseded_by_id)
    assert old.status == "superseded" and new.replaces_id == old.id and new.holder_name == "Test Person New-Name"
    assert new.issued_at == old.issued_at and new.status == "valid"
    record = app.test_client().get(f"/api/v1/certificates/{old.id}").get_json()
    assert record["status"] == "superseded" and record["replaced_by"] == new.id
    assert "Test Person New-Name" in " ".join(pdf_text(new.pdf).split())
    check_tagged(new.pdf, "Sample Course: Test Person New-Name")
    check_archival(new.pdf)


def test_expired_certificate_verifies_as_expired(app, certified):
    certified.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    record = app.test_client().get(f"/api/v1/certificates/{certified.id}").get_json()
    assert record["status"] == "expired"


def test_attestation_is_signed_with_the_printed_name_and_one_tick(app_factory, tmp_path, make_user):
    root = content_variant(tmp_path, "certificate:\n  validity_months: 24\n", attestation=True)
    app = app_factory(CONTENT_DIR=str(root))
    client = app.test_client()
    with app.app_context():
        user_id = make_user(email="t@example.org").id
    post(client, "/account/login", {"email": "t@example.org", "password": PASSWORD})
    pass_everything(app, client, user_id)
    page = client.get("/courses/sample/certificate").get_data(as_text=True)
    assert "Peer Pledge" in page and "I will listen with respect" in page
    assert page.count('name="holder_name"') == 1 and "typed_name" not in page, "the name is asked once"
    assert 'value="Test Person Legal"' in page, "prefilled with the account's legal name"
    unconfirmed = claim(client, holder="Robin Quinn", confirm=False)
    html = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 422 and 'value="Robin Quinn"' in html
    error = "Tick the box to confirm that you have read and agree to the Peer Pledge."
    # The message sits by the tick box (tied to it) and in the summary, linked to it, with no doubled punctuation.
    assert re.search(
        r'<p class="error-message" id="confirm-error"><span class="visually-hidden">Error:</span> ' + re.escape(error),
        html,
    )
    assert 'aria-describedby="confirm-error"' in html
    assert f'<a href="#confirm">I have read and agree to the Peer Pledge: {error}</a>' in html
    nameless = claim(client, holder="  ", confirm=True)
    assert nameless.status_code == 422 and "Please enter your full legal name." in nameless.get_data(as_text=True)
    assert claim(client, holder="Robin Quinn", confirm=True).status_code == 302
    with app.app_context():
        cert = db.session.scalars(select(Certificate)).one()
        signature = db.session.scalars(select(AttestationSignature)).one()
        assert cert.holder_name == "Robin Quinn" and cert.attestation_signed_at == signature.signed_at
        assert signature.typed_name == "Robin Quinn" and signature.attestation_slug == "pledge"
        issued = cert.issued_at
        assert (cert.expires_at.year - issued.year) * 12 + cert.expires_at.month - issued.month == 24
        assert "Code of ethics signed" in " ".join(pdf_text(cert.pdf).split())


def test_trainer_approval_queue(app_factory, tmp_path, make_user):
    root = content_variant(tmp_path, "certificate:\n  approval: trainer\n")
    app = app_factory(CONTENT_DIR=str(root))
    client, coach = app.test_client(), app.test_client()
    with app.app_context():
        user_id = make_user(email="t@example.org").id
        make_user(email="coach@example.org", role="trainer", legal_name="Casey Coach")
        join_cohort_of("coach@example.org", user_id)
    post(client, "/account/login", {"email": "t@example.org", "password": PASSWORD})
    post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    pass_everything(app, client, user_id)
    claim(client)
    claim(client)
    assert "waiting for a trainer's approval" in client.get("/courses/sample/certificate").get_data(as_text=True)
    with app.app_context():
        from lms.certificates.models import CertificateRequest

        assert db.session.scalar(select(func.count()).select_from(CertificateRequest)) == 1
        req = db.session.scalars(select(CertificateRequest)).one()
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    queue = coach.get("/staff/certificates/").get_data(as_text=True)
    assert "Test Person Legal" in queue
    assert client.get("/staff/certificates/").status_code == 403
    post(coach, f"/staff/certificates/requests/{req.id}", {"decision": "approve"}, page="/staff/certificates/")
    post(coach, f"/staff/certificates/requests/{req.id}", {"decision": "approve"}, page="/staff/certificates/")
    with app.app_context():
        cert = db.session.scalars(select(Certificate)).one()
        assert cert.issuer["signatory"] == "Casey Coach"
    assert "Casey Coach" in " ".join(pdf_text(client.get(f"/certificates/{cert.id}/certificate.pdf").data).split())


def test_renewal_needs_fresh_passes_and_supersedes_the_old_certificate(app_factory, tmp_path, make_user):
    root = content_variant(tmp_path, "certificate:\n  validity_months: 12\n")
    app = app_factory(CONTENT_DIR=str(root))
    client = app.test_client()
    with app.app_context():
        user_id = make_user(email="t@example.org").id
    post(client, "/account/login", {"email": "t@example.org", "password": PASSWORD})
    pass_everything(app, client, user_id, finished_at=utcnow() - timedelta(days=400))
    claim(client)
    with app.app_context():
        old = db.session.scalars(select(Certificate)).one()
        old.issued_at -= timedelta(days=340)
        old.expires_at -= timedelta(days=340)  # expires in about 25 days
        db.session.commit()
        old_id = old.id
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "expires on" in dashboard and "How to renew" in dashboard
    renew_page = client.get("/courses/sample/certificate").get_data(as_text=True)
    assert "To renew it, pass each role-play again" in renew_page
    claim(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1, "old passes do not renew"
    pass_everything(app, client, user_id)
    claim(client)
    with app.app_context():
        old = db.session.get(Certificate, old_id)
        new = db.session.get(Certificate, old.superseded_by_id)
        assert old.status == "superseded" and new.replaces_id == old_id and new.status == "valid"
        assert new.expires_at > old.expires_at
        check_tagged(new.pdf, "Sample Course: Test Person Legal")
        check_archival(new.pdf)
        assert list(pdf_reader(new.pdf).attachments.values()) == [[new.credential.encode()]]


def test_key_rotation_keeps_old_credentials_verifiable(app, client, certified, runner):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    key_set = KeySet.import_key_set(client.get("/.well-known/jwks.json").get_json())
    assert len(key_set.keys) == 2
    assert jwt.decode(certified.credential, key_set, algorithms=["RS256"]).claims["jti"].endswith(certified.id)
    assert runner.invoke(args=["keys", "init"]).output.startswith("A signing key already exists")
    for jwk in client.get("/.well-known/jwks.json").get_json()["keys"]:
        assert "d" not in jwk and "p" not in jwk and jwk["kty"] == "RSA" and int(len(jwk["n"]) * 6 / 8) * 8 >= 3072 - 8


def test_pdf_fetcher_loads_only_the_apps_static_files(app):
    from lms.certificates.pdf import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher(app.static_folder)
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:1/x.png",
        "https://example.org/logo.png",
        f"file://{app.static_folder}/../__init__.py",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(f"file://{app.static_folder}/favicon.svg") is not None


def test_verification_is_rate_limited(app_factory, certified):
    limited_app = app_factory(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    visitor = limited_app.test_client()
    codes = [visitor.get(f"/api/v1/certificates/{certified.id}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert visitor.get(f"/api/v1/certificates/{certified.id}").headers.get("Retry-After")


def test_expiry_reminders_are_emailed_once_through_a_real_smtp_server(app_factory, tmp_path, make_user):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        root = content_variant(tmp_path, "certificate:\n  validity_months: 12\n")
        app = app_factory(CONTENT_DIR=str(root), MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        client = app.test_client()
        with app.app_context():
            user_id = make_user(email="t@example.org").id
        post(client, "/account/login", {"email": "t@example.org", "password": PASSWORD})
        pass_everything(app, client, user_id)
        claim(client)
        runner = app.test_cli_runner()
        with app.app_context():  # the command runs in this app, not the test's default one
            assert "0 certificate(s) expire within 90 days" in runner.invoke(args=["certificates", "remind"]).output
            cert = db.session.scalars(select(Certificate)).one()
            cert.expires_at = utcnow() + timedelta(days=30)
            db.session.commit()
            first = runner.invoke(args=["certificates", "remind"])
            again = runner.invoke(args=["certificates", "remind"])
        assert "1 reminder email(s) sent" in first.output and "0 reminder email(s) sent" in again.output
        assert len(inbox.messages) == 1
        recipients, body = inbox.messages[0]
        assert recipients == ["t@example.org"] and "To renew it" in body and "/courses/sample/certificate" in body
    finally:
        controller.stop()


def test_a_replaced_certificate_is_flagged_in_the_revocation_list(app, certified, make_user):
    from lms.certificates.issue import reissue
    from lms.content import catalog

    new = reissue(certified, catalog(), "Another Name", "Name change", actor_id=None)
    db.session.commit()
    visitor = app.test_client()
    assert _status_bit(visitor, "revocation", certified.status_index) == 1
    assert _status_bit(visitor, "revocation", new.status_index) == 0


def test_bulk_csv_reads_every_row_of_a_large_upload(app, certified):
    from helpers import csrf_token

    visitor = app.test_client()
    rows = [f"{certified.id},{'extra column ' * 8}"] * 999
    upload = visitor.post(
        "/verify/bulk",
        data={
            "csrf_token": csrf_token(visitor, "/verify/bulk"),
            "file": (io.BytesIO(("\n".join(rows) + "\n").encode()), "ids.csv"),
        },
        content_type="multipart/form-data",
    )
    result = list(csv.DictReader(io.StringIO(upload.get_data(as_text=True))))
    assert len(result) == 999 and all(r["status"] == "valid" for r in result)
    assert result[0]["hours"] == "3"
    too_many = visitor.post(
        "/verify/bulk",
        data={
            "csrf_token": csrf_token(visitor, "/verify/bulk"),
            "file": (io.BytesIO(("x\n" * 1001).encode()), "ids.csv"),
        },
        content_type="multipart/form-data",
    )
    assert too_many.status_code == 422 and "lists 1001 IDs" in too_many.get_data(as_text=True)


def test_verification_rate_limit_is_one_allowance_across_endpoints(app_factory, certified):
    limited_app = app_factory(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    visitor = limited_app.test_client()
    codes = [
        visitor.get(url).status_code
        for url in [
            f"/api/v1/certificates/{certified.id}",
            f"/verify/{certified.id}",
            f"/api/v1/certificates/{certified.id}/credential",
            f"/api/v1/certificates/{certified.id}",
        ]
    ]
    assert codes == [200, 200, 200, 429]


def test_pasted_ids_with_en_dashes_and_public_data_for_browser_verifiers(app, certified):
    visitor = app.test_client()
    pasted = certified.id.replace("-", "\u2013")
    assert visitor.get(f"/api/v1/certificates/{pasted}").get_json()["id"] == certified.id
    for url in [f"/api/v1/certificates/{certified.id}", "/.well-known/jwks.json", "/status/revocation"]:
        assert visitor.get(url).headers.get("Access-Control-Allow-Origin") == "*", url
    assert visitor.get(f"/verify/{certified.id}").headers.get("Access-Control-Allow-Origin") is None


def test_browser_verifiers_can_call_the_bulk_api_and_read_rate_limit_headers(app, certified):
    visitor = app.test_client()
    preflight = visitor.options(
        "/api/v1/certificates/verify",
        headers={
            "Origin": "https://board.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Retry-After" in visitor.get("/status/revocation").headers["Access-Control-Expose-Headers"]
    assert visitor.get(f"/api/v1/certificates/\u200b{certified.id}\u00a0").get_json()["id"] == certified.id
    assert visitor.get("/status/nope").is_json and visitor.get("/keys/nope").is_json


def test_reissuing_with_a_corrected_legal_name_corrects_the_account_too(app, certified, make_user):
    make_user(email="admin@example.org", role="admin")
    admin = app.test_client()
    post(admin, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    page = f"/staff/certificates/{certified.id}"
    response = post(
        admin,
        page,
        {"form": "reissue", "reissue-holder_name": "Test Person Corrected", "reissue-reason": "Legal name misspelt"},
        page=page,
    )
    assert response.status_code == 302
    # The account's legal name is what transcripts print and the next certificate is prefilled with.
    with admin.get(f"/staff/trainees/{certified.user_id}") as trainee_page:
        assert "legal name Test Person Corrected" in trainee_page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, certified.user_id).legal_name == "Test Person Corrected"


def _certificate_with_hours(hours: dict, n: int) -> Certificate:
    from lms.certificates.ids import new_id

    cert = Certificate(
        id=new_id(),
        user_id=None,
        course_slug="sample",
        course_fingerprint="f" * 64,
        course_title="Sample Course",
        title="Certificate of Completion: Sample Course",
        holder_name="Hour Holder",
        hours=hours,
        competencies=[],
        issuer={"name": "Test Issuer"},
        issued_at=utcnow(),
        status="valid",
        status_index=9000 + n,
        credential="",
        pdf=b"",
    )
    db.session.add(cert)
    db.session.commit()
    return cert


def test_hours_of_a_single_figure_course_have_no_made_up_domain_and_totals_add_up(app):
    visitor = app.test_client()
    single = _certificate_with_hours({"total": 1.0}, 1)
    record = visitor.get(f"/api/v1/certificates/{single.id}").get_json()
    assert record["hours"] == {"total": 1, "by_domain": {}}
    page = visitor.get(f"/verify/{single.id}").get_data(as_text=True)
    assert "<dd>1</dd>" in page and "total 1" not in page
    # Totals are added in minutes and rounded once: 0.1 + 0.2 hours is 0.3, not 0.30000000000000004.
    split = _certificate_with_hours({"ethics": 0.1, "mentoring": 0.2}, 2)
    record = visitor.get(f"/api/v1/certificates/{split.id}").get_json()
    assert record["hours"] == {"total": 0.3, "by_domain": {"ethics": 0.1, "mentoring": 0.2}}


def test_a_credential_names_an_attestation_only_when_one_was_signed(app):
    unsigned = _certificate_with_hours({"total": 1.0}, 3)
    narrative = credentials.build_credential(unsigned, "https://lms.example.org")
    text = json.dumps(narrative)
    assert "attestation" not in text and "Contact hours: 1." in text
    signed = _certificate_with_hours({"total": 1.0}, 4)
    signed.attestation_signed_at = utcnow()
    assert "sign the course's attestation" in json.dumps(
        credentials.build_credential(signed, "https://lms.example.org")
    )


def test_names_are_editable_in_account_and_a_legal_name_change_points_to_reissue(app, client, trainee, make_user):
    assert client.get("/dashboard/profile").status_code == 200
    assert "/dashboard/profile" in client.get("/account/password").get_data(as_text=True)
    empty = post(client, "/dashboard/profile", {"display_name": "Sam", "legal_name": "  "}, page="/dashboard/profile")
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "Please enter your full legal name." in html and 'value="Sam"' in html
    saved = post(
        client,
        "/dashboard/profile",
        {"display_name": "Sam", "legal_name": "Sam Rivera Legal"},
        page="/dashboard/profile",
    )
    assert saved.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, trainee.id)
    assert (user.display_name, user.legal_name) == ("Sam", "Sam Rivera Legal")
    page = client.get("/dashboard/profile").get_data(as_text=True)
    assert "Your details have been saved." in page and "re-issuing" not in page, "no certificate yet"

    pass_everything(app, client, trainee.id)
    claim_page = client.get("/courses/sample/certificate").get_data(as_text=True)
    assert 'value="Sam Rivera Legal"' in claim_page, "the claim is prefilled from the account"
    assert claim(client, holder="Sam Rivera Legal").status_code == 302
    after = post(
        client, "/dashboard/profile", {"display_name": "Sam", "legal_name": "Sam Okafor"}, page="/dashboard/profile"
    )
    assert after.status_code == 302
    page = client.get("/dashboard/profile").get_data(as_text=True)
    assert "a trainer corrects an issued certificate by re-issuing it" in page
    assert only_certificate().holder_name == "Sam Rivera Legal", "an issued certificate is never changed here"


def test_another_account_cannot_change_someone_elses_names(app, client, trainee, make_user):
    make_user(email="other@example.org", display_name="Other", legal_name="Other Legal")
    other = app.test_client()
    post(other, "/account/login", {"email": "other@example.org", "password": PASSWORD})
    post(other, "/dashboard/profile", {"display_name": "Hacked", "legal_name": "Hacked"}, page="/dashboard/profile")
    db.session.expire_all()
    assert db.session.get(User, trainee.id).legal_name == "Test Person Legal"
    anonymous = app.test_client().get("/dashboard/profile")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.location
