"""Sharing a portfolio with a board: only what the holder chose, behind an unguessable, expiring, revocable link,
as a page, a tagged PDF, a signed Open Badges 3.0 credential and JSON."""

import json
import re
from datetime import timedelta

import jwt as pyjwt
import pytest
from portfolio_share_helpers import choose, experience, supervision_session
from sqlalchemy import select

from lms.certificates.credentials import decode_bitstring
from lms.certificates.models import Certificate
from lms.clock import utcnow
from lms.extensions import db
from lms.portfolio.share_models import PortfolioShare

from certificate_helpers import (
    check_archival,
    check_tagged,
    claim,
    pass_everything,
    pdf_text,
)
from helpers import PASSWORD, post

SCHEMA = "/work/shared/standards/ob3/ob_v3p0_achievementcredential_schema.json"
NEW = "/portfolio/shares/new/sample-credential"


@pytest.fixture
def holder(app, client, make_user):
    """A signed-in trainee with a certificate, a confirmed, a declined and a pending experience entry, and a
    confirmed supervision session, tracking the sample pathway."""
    user = make_user(email="holder@example.org", legal_name="Robin Quinn Public")
    post(client, "/account/login", {"email": "holder@example.org", "password": PASSWORD})
    pass_everything(app, client, user.id)
    claim(client, holder="Robin Quinn Public")
    choose(user.id)
    entries = {
        "confirmed": experience(user.id, minutes=300),
        "declined": experience(user.id, minutes=600),
        "pending": experience(user.id, minutes=120),
        "session": supervision_session(user.id, minutes=90),
    }
    for name, entry in entries.items():
        entry.state = {"declined": "declined", "pending": "pending"}.get(name, "confirmed")
        entry.decided_at = utcnow() if entry.state != "pending" else None
        entry.decider_comment = "Not my service." if entry.state == "declined" else None
    db.session.commit()
    cert = db.session.scalars(select(Certificate)).one()
    return {"user": user, "cert": cert, **entries}


def share(client, data: dict):
    form = {"label": "Board application", "days": "30", **data}
    return post(client, NEW, form, page=NEW)


def new_token(client) -> str:
    page = client.get("/portfolio/shares/").get_data(as_text=True)
    return re.search(r'/portfolio/shared/([A-Za-z0-9_-]+)"', page).group(1)


def test_the_form_offers_only_the_holders_vouched_entries_and_certificates(client, holder, make_user):
    page = client.get(NEW).get_data(as_text=True)
    assert (
        f'value="experience-{holder["confirmed"].id}"' in page and f'value="supervision-{holder["session"].id}"' in page
    )
    assert (
        f'value="experience-{holder["declined"].id}"' not in page
        and f'value="experience-{holder["pending"].id}"' not in page
    )
    assert f'value="{holder["cert"].id}"' in page and 'value="experience"' in page


def test_a_board_sees_only_what_was_chosen_and_the_link_is_shown_once(app, client, holder):
    response = share(
        client,
        {
            "requirements": ["training", "experience"],
            "entries": [f"experience-{holder['confirmed'].id}"],
            "certificates": [holder["cert"].id],
        },
    )
    assert response.status_code == 302
    token = new_token(client)
    assert len(token) >= 43  # 256 random bits; at least 128 asked for
    assert token not in client.get("/portfolio/shares/").get_data(as_text=True), "shown once"
    stored = db.session.scalars(select(PortfolioShare)).one()
    assert token not in json.dumps([stored.token_hash, stored.snapshot, stored.credential, stored.selection])
    board = app.test_client()
    page = board.get(f"/portfolio/shared/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Robin Quinn Public" in html and "Sam Supervisor" in html and f"/verify/{holder['cert'].id}" in html
    assert (
        "Supervised work experience" in html and ">5 hours<" in html
    )  # 300 confirmed minutes; the others do not count
    assert "Boundaries" not in html, "the supervision session was not chosen"
    assert "holder@example.org" not in html and "sam@example.org" not in html
    data = board.get(f"/api/v1/portfolios/{token}").get_json()
    assert [r["key"] for r in data["requirements"]] == ["training", "experience"]
    assert data["requirements"][1]["verified_hours"] == 5.0
    assert [e["hours"] for e in data["entries"]] == [5.0] and data["entries"][0]["confirmed_by"][
        "name"
    ] == "Sam Supervisor"
    assert data["certificates"][0]["id"] == holder["cert"].id and data["certificates"][0]["status"] == "valid"
    assert "holder@example.org" not in json.dumps(data)


def test_the_credential_verifies_against_the_jwks_and_the_official_schema(app, client, holder):
    from joserfc import jwt
    from joserfc.errors import BadSignatureError
    from joserfc.jwk import KeySet
    from jsonschema import Draft201909Validator

    share(
        client,
        {
            "requirements": ["training", "experience"],
            "entries": [f"experience-{holder['confirmed'].id}"],
            "certificates": [holder["cert"].id],
        },
    )
    token = new_token(client)
    board = app.test_client()
    signed = board.get(f"/portfolio/shared/{token}/credential.jwt").get_data(as_text=True)
    assert signed == board.get(f"/api/v1/portfolios/{token}").get_json()["credential"]
    claims = jwt.decode(
        signed, KeySet.import_key_set(board.get("/.well-known/jwks.json").get_json()), algorithms=["RS256"]
    ).claims
    assert claims["jti"].startswith("urn:uuid:") and token not in signed
    assert [(r["value"]) for r in claims["credentialSubject"]["result"]] == ["3", "5"]
    evidence = claims["evidence"]
    assert evidence[0]["id"] == f"https://lms.example.org/verify/{holder['cert'].id}"
    assert "Confirmed by Sam Supervisor (supervisor)" in evidence[1]["narrative"]
    credential = {k: v for k, v in claims.items() if k not in ("iss", "sub", "jti", "nbf", "exp")}
    with open(SCHEMA) as fh:
        validator = Draft201909Validator(json.load(fh), format_checker=Draft201909Validator.FORMAT_CHECKER)
    assert sorted(validator.iter_errors(credential), key=str) == []
    # Tampering with the hours breaks the signature.
    head, _, signature = signed.split(".")
    forged = ".".join(
        [head, pyjwt.utils.base64url_encode(json.dumps(dict(claims, name="x")).encode()).decode(), signature]
    )
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, KeySet.import_key_set(board.get("/.well-known/jwks.json").get_json()), algorithms=["RS256"])


def test_the_pdf_is_tagged_archival_and_carries_the_credential(app, client, holder):
    from io import BytesIO

    from pypdf import PdfReader

    share(
        client,
        {
            "requirements": ["experience"],
            "entries": [f"experience-{holder['confirmed'].id}"],
            "certificates": [holder["cert"].id],
        },
    )
    token = new_token(client)
    pdf = app.test_client().get(f"/portfolio/shared/{token}/portfolio.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    check_tagged(pdf.data, "Sample Credential portfolio: Robin Quinn Public")
    check_archival(pdf.data)
    text = " ".join(pdf_text(pdf.data).split())
    assert "Sam Supervisor" in text and holder["cert"].id in text, text
    attachments = PdfReader(BytesIO(pdf.data)).attachments
    assert (
        attachments["portfolio-credential.jwt"][0].decode()
        == db.session.scalars(select(PortfolioShare)).one().credential
    )


def test_revoking_closes_every_view_and_sets_the_status_bit(app, client, holder):
    share(client, {"requirements": ["experience"]})
    token = new_token(client)
    stored = db.session.scalars(select(PortfolioShare)).one()
    board = app.test_client()
    assert board.get(f"/portfolio/shared/{token}").status_code == 200
    response = post(client, f"/portfolio/shares/{stored.id}/revoke", page="/portfolio/shares/")
    assert response.status_code == 302
    for url in (
        f"/portfolio/shared/{token}",
        f"/portfolio/shared/{token}/portfolio.pdf",
        f"/portfolio/shared/{token}/credential.jwt",
        f"/api/v1/portfolios/{token}",
    ):
        closed = board.get(url)
        assert closed.status_code == 404, url
        assert b"Robin" not in closed.data and b"Sample Credential" not in closed.data
    assert board.get(f"/api/v1/portfolios/{token}").get_json() == {"code": 404, "error": closed.get_json()["error"]}
    status = pyjwt.decode(board.get("/portfolio/status").get_data(as_text=True), options={"verify_signature": False})
    bits = decode_bitstring(status["credentialSubject"]["encodedList"])
    index = db.session.get(PortfolioShare, stored.id).status_index
    assert bits[index // 8] & (0x80 >> index % 8)
    from lms.audit import AuditEvent

    assert [
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("portfolio.share%")))
    ] == ["portfolio.shared", "portfolio.share_revoked"]


def test_an_expired_link_answers_404_like_an_unknown_one(app, client, holder):
    share(client, {"requirements": ["experience"]})
    token = new_token(client)
    stored = db.session.scalars(select(PortfolioShare)).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    board = app.test_client()
    expired, unknown = board.get(f"/portfolio/shared/{token}"), board.get("/portfolio/shared/" + "x" * 43)
    assert expired.status_code == unknown.status_code == 404 and expired.data == unknown.data


def test_another_persons_link_cannot_be_revoked_and_foreign_choices_are_dropped(app, client, holder, make_user):
    other = make_user(email="other@example.org")
    foreign = experience(other.id)
    foreign.state, foreign.decided_at = "confirmed", utcnow()
    db.session.commit()
    refused = share(client, {"entries": [f"experience-{foreign.id}"], "certificates": ["0000-0000-0000-0000-0000"]})
    assert refused.status_code == 422 and "Choose at least one" in refused.get_data(as_text=True)
    share(client, {"requirements": ["experience"]})
    stored = db.session.scalars(select(PortfolioShare)).one()
    intruder = app.test_client()
    post(intruder, "/account/login", {"email": "other@example.org", "password": PASSWORD})
    assert post(intruder, f"/portfolio/shares/{stored.id}/revoke", page="/portfolio/shares/").status_code == 404
    db.session.expire_all()
    assert db.session.get(PortfolioShare, stored.id).revoked_at is None


def test_bad_input_re_renders_the_form(client, holder):
    for days in ("0", "400", "many", ""):
        response = share(client, {"days": days, "requirements": ["experience"]})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and 'id="days-error"' in html and 'aria-invalid="true"' in html, days
        assert 'value="Board application"' in html, "the form keeps what was typed"
    assert db.session.scalars(select(PortfolioShare)).all() == []
    assert client.get("/portfolio/shares/new/no-such-pathway").status_code == 404


def test_the_board_pages_are_rate_limited_with_verification(app_factory, client, holder):
    share(client, {"requirements": ["experience"]})
    token = new_token(client)
    limited = app_factory(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    board = limited.test_client()
    codes = [board.get(f"/api/v1/portfolios/{token}").status_code for _ in range(2)]
    codes += [
        board.get(f"/portfolio/shared/{token}").status_code,
        board.get("/verify/" + holder["cert"].id).status_code,
    ]
    assert codes == [200, 200, 200, 429]


def test_the_boards_script_in_the_verifying_guide_checks_the_signature_and_the_status_bit(
    app, client, holder, tmp_path
):
    import subprocess
    import sys
    from pathlib import Path

    section = (Path(__file__).parent.parent / "docs/verifying.md").read_text().split("### 3.3", 1)[1]
    script = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    (tmp_path / "check_portfolio.py").write_text(script.replace("http://127.0.0.1:5078", "https://lms.example.org"))
    share(client, {"requirements": ["training", "experience"], "certificates": [holder["cert"].id]})
    token = new_token(client)
    board = app.test_client()
    (tmp_path / "jwks.json").write_text(json.dumps(board.get("/.well-known/jwks.json").get_json()))
    (tmp_path / "portfolio-credential.jwt").write_text(
        board.get(f"/portfolio/shared/{token}/credential.jwt").get_data(as_text=True)
    )

    def check() -> str:
        (tmp_path / "portfolio-status.jwt").write_text(board.get("/portfolio/status").get_data(as_text=True))
        done = subprocess.run(
            [sys.executable, "check_portfolio.py", "portfolio-credential.jwt", "portfolio-status.jwt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    opened = check()
    assert (
        opened.startswith("Signature OK: Robin Quinn Public")
        and "Supervised work experience (hours): 5 of 10" in opened
    )
    assert opened.strip().endswith("Link open: the portfolio stands as shared")
    stored = db.session.scalars(select(PortfolioShare)).one()
    post(client, f"/portfolio/shares/{stored.id}/revoke", page="/portfolio/shares/")
    assert check().strip().endswith("Link closed by the candidate")


def test_evidence_and_the_board_certificate_number_are_shown_only_when_chosen(app, client, holder):
    from datetime import date

    from lms.portfolio.models import BoardCertification, Evidence, OutsideTraining

    user = holder["user"]
    files = [
        Evidence(
            user_id=user.id,
            filename=f"cert{n}.pdf",
            media_type="application/pdf",
            size=8,
            sha256="0" * 64,
            data=b"%PDF-1.7",
        )
        for n in (1, 2)
    ]
    db.session.add_all(files)
    db.session.flush()
    trainings = [
        OutsideTraining(
            user_id=user.id,
            title=f"Ethics {n}",
            provider="State college",
            completed_on=date(2026, 5, n),
            hours={"ethics": 2},
            evidence_id=f.id,
            state="accepted",
            decided_at=utcnow(),
        )
        for n, f in zip((1, 2), files)
    ]
    db.session.add_all(trainings)
    db.session.add(
        BoardCertification(
            user_id=user.id,
            pathway_slug="sample-credential",
            certificate_number="PR-77",
            certified_on=date(2026, 11, 1),
        )
    )
    db.session.commit()
    share(client, {"entries": [f"training-{trainings[0].id}"]})
    token = new_token(client)
    board = app.test_client()
    page = board.get(f"/portfolio/shared/{token}").get_data(as_text=True)
    assert "PR-77" not in page and "Ethics 1" in page and "Ethics 2" not in page
    assert board.get(f"/portfolio/shared/{token}/evidence/{files[0].id}").data == b"%PDF-1.7"
    assert board.get(f"/portfolio/shared/{token}/evidence/{files[1].id}").status_code == 404
    share(client, {"certification": "y", "entries": [f"experience-{holder['confirmed'].id}"]})
    second = new_token(client)
    shown = board.get(f"/portfolio/shared/{second}").get_data(as_text=True)
    assert "PR-77" in shown and "(an address at example.org)" in shown
    assert board.get(f"/portfolio/shared/{second}/evidence/{files[0].id}").status_code == 404


def test_share_links_are_in_the_data_export_and_go_with_the_account(app, client, holder):
    from datetime import date

    from lms.portfolio import supervision
    from lms.portfolio.share_models import RenewalReminder, SupervisorLink
    from lms.privacy import delete_account, export

    share(client, {"requirements": ["experience"]})
    token = new_token(client)
    pending = holder["pending"]
    pending.supervisor_email = "nobody-here@example.org"
    supervision.request_confirmation(pending, holder["user"], "https://lms.example.org")
    db.session.add(RenewalReminder(user_id=holder["user"].id, deadline=date(2028, 1, 1), days_before=90))
    db.session.commit()
    exported = export(holder["user"])["portfolio"]
    assert [s["label"] for s in exported["share_links"]] == ["Board application"]
    assert not {"token_hash", "snapshot", "credential"} & set(exported["share_links"][0])
    assert exported["renewal_reminders"][0]["days_before"] == 90
    delete_account(holder["user"], actor_id=None)
    db.session.commit()
    for model in (PortfolioShare, SupervisorLink, RenewalReminder):
        assert db.session.scalars(select(model)).all() == [], model
    assert app.test_client().get(f"/portfolio/shared/{token}").status_code == 404
