"""Verification guidance (issue #19): every verdict says what to do next, who issued it and how to reach them,
and when the check was made; bulk checks answer on screen; the verification guide is a page the site serves."""

import csv
import io
import re
from html import unescape

from lms.certificates.models import Certificate
from lms.clock import utcnow
from lms.extensions import db

from helpers import csrf_token
from test_certificate_notices import change, coach_for
from test_certificates import certified, only_certificate  # noqa: F401 (a fixture)

CONTACT = "certificates@example.org"


def text(html: str) -> str:
    return re.sub(r" ([:,.])", r"\1", re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))))


def verdict(app, cert_id: str) -> str:
    return text(app.test_client().get(f"/verify/{cert_id}").get_data(as_text=True))


def test_every_verdict_says_what_to_do_who_issued_it_and_when_it_was_checked(app, certified, make_user):
    app.config["ISSUER_CONTACT"] = CONTACT
    page = verdict(app, certified.id)
    assert "What to do: You can rely on this certificate." in page
    assert f"Questions about this certificate? Contact Peer Specialist Training: {CONTACT}" in page
    assert f"Checked on {utcnow():%-d %B %Y}, " in page and " UTC" in page
    assert f'href="mailto:{CONTACT}"' in app.test_client().get(f"/verify/{certified.id}").get_data(as_text=True)

    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "suspend", "Complaint under review")
    page = verdict(app, certified.id)
    assert (
        "What to do: Do not rely on it while it is suspended. Contact Peer Specialist Training to ask about it." in page
    )
    change(coach, certified.id, "revoke", "Issued in error")
    assert "What to do: Do not accept it." in verdict(app, certified.id)

    cert = only_certificate()
    cert.status, cert.expires_at = "valid", utcnow().replace(year=utcnow().year - 1)
    db.session.commit()
    assert (
        f"What to do: It was valid until {cert.expires_at:%Y-%m-%d}. Ask the holder for a renewed certificate."
        in verdict(app, certified.id)
    )


def test_a_replaced_verdict_shows_the_replacements_status_and_name(app, certified, make_user):
    coach = coach_for(app, make_user, certified)
    page = f"/staff/certificates/{certified.id}"
    from helpers import post

    post(
        coach,
        page,
        {"form": "reissue", "reissue-holder_name": "Test P. Legal", "reissue-reason": "Spelling"},
        page=page,
    )
    new = db.session.query(Certificate).filter(Certificate.id != certified.id).one()
    shown = verdict(app, certified.id)
    assert "What to do: Check the replacement: its status is the one that counts." in shown
    assert f"Replacement {new.id}: ✓ Valid, issued to Test P. Legal (the name was corrected)" in shown


def test_without_a_contact_setting_the_issuer_is_still_named(app, certified):
    app.config["ISSUER_CONTACT"] = None
    page = verdict(app, certified.id)
    assert "Questions about this certificate? Contact Peer Specialist Training, which issued it." in page
    assert "mailto:" not in app.test_client().get(f"/verify/{certified.id}").get_data(as_text=True)


def upload(visitor, body: str, **extra):
    return visitor.post(
        "/verify/bulk",
        data={
            "csrf_token": csrf_token(visitor, "/verify/bulk"),
            **extra,
            "file": (io.BytesIO(body.encode()), "ids.csv"),
        },
        content_type="multipart/form-data",
    )


def test_bulk_results_are_shown_on_screen_with_counts_and_a_csv_download(app, certified):
    visitor = app.test_client()
    wrong = certified.id[:-1] + ("A" if certified.id[-1] != "A" else "B")
    shown = upload(visitor, f"id\n{certified.id}\n{wrong}\n0000-0000-0000-0000-0000\n", action="show")
    assert shown.status_code == 200 and shown.mimetype == "text/html"
    page = text(shown.get_data(as_text=True))
    assert "3 IDs checked: 1 valid, 1 with a typing mistake, 1 not found." in page
    assert f"{certified.id} ✓ Valid Test Person Legal Sample Course" in page
    assert "Checked on " in page
    ids = re.findall(r'<input type="hidden" name="id" value="([^"]*)"', shown.get_data(as_text=True))
    assert ids == [certified.id, wrong, "0000-0000-0000-0000-0000"]
    download = visitor.post("/verify/bulk.csv", data={"csrf_token": csrf_token(visitor, "/verify/bulk"), "id": ids})
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [r["status"] for r in rows] == ["valid", "invalid", "not_found"]
    assert visitor.post("/verify/bulk.csv", data={"id": ids}).status_code == 400, "CSRF-protected like the upload"
    assert visitor.post("/verify/bulk.csv", data={"csrf_token": csrf_token(visitor, "/verify/bulk")}).status_code == 422
    direct = upload(visitor, f"{certified.id}\n", action="csv")
    assert direct.mimetype == "text/csv", "the download-only button still answers with the file"


def test_the_verification_guide_is_served_and_linked(app, certified):
    visitor = app.test_client()
    guide = visitor.get("/verify/guide")
    assert guide.status_code == 200
    page = text(guide.get_data(as_text=True))
    for status in ("Valid", "Expired", "Suspended", "Revoked", "Replaced"):
        assert status in page
    assert "/api/v1/certificates/verify" in page and "/verify/bulk" in page
    for source in ("/verify", "/verify/bulk", f"/verify/{certified.id}"):
        assert 'href="/verify/guide"' in visitor.get(source).get_data(as_text=True), source
