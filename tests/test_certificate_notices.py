"""The holder is told when a trainer suspends, revokes, reinstates or reissues their certificate, and why."""

import re
from datetime import timedelta
from html import unescape

from lms.certificates.models import Certificate
from lms.clock import utcnow
from lms.extensions import db

from helpers import PASSWORD, join_cohort_of, post
from test_certificates import certified, only_certificate  # noqa: F401 (a fixture)


def text(client, url) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))))


def coach_for(app, make_user, cert):
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", cert.user_id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    return coach


def change(coach, cert_id, action, reason):
    page = f"/staff/certificates/{cert_id}"
    return post(
        coach,
        page,
        {"form": "status", "status-action": action, "status-reason": reason, "status-confirm": "y"},
        page=page,
    )


def test_a_suspension_is_explained_to_the_holder_with_the_reason_and_no_pdf_button(app, client, certified, make_user):
    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "suspend", "Complaint under review")
    detail = text(client, f"/certificates/{certified.id}")
    assert f"is suspended since {utcnow():%-d %B %Y}" in detail
    assert "The reason given: “Complaint under review”." in detail and "Ask your trainer" in detail
    assert "Download PDF" not in detail
    dashboard = text(client, "/dashboard")
    assert f"Your certificate Sample Course ({certified.id}) is suspended" in dashboard
    assert "Complaint under review" in dashboard
    assert "Download PDF" not in dashboard


def test_a_revocation_is_explained_on_the_certificate_page_and_dashboard(app, client, certified, make_user):
    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "revoke", "Issued in error")
    for page in (f"/certificates/{certified.id}", "/dashboard"):
        shown = text(client, page)
        assert "was revoked on" in shown and "“Issued in error”" in shown, page


def test_a_reinstatement_is_told_and_leaves_the_dashboard_after_30_days(app, client, certified, make_user):
    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "suspend", "Complaint under review")
    change(coach, certified.id, "reinstate", "Complaint resolved")
    dashboard = text(client, "/dashboard")
    assert "was reinstated on" in dashboard and "“Complaint resolved”" in dashboard and "suspended" not in dashboard
    cert = only_certificate()
    cert.status_changed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert "reinstated" not in text(client, "/dashboard")
    assert "reinstated" in text(client, f"/certificates/{cert.id}"), "the certificate page keeps the history"


def test_a_reissue_points_the_holder_to_the_new_certificate_listed_first(app, client, certified, make_user):
    make_user(email="admin@example.org", role="admin")
    admin = app.test_client()
    post(admin, "/account/login", {"email": "admin@example.org", "password": PASSWORD})
    page = f"/staff/certificates/{certified.id}"
    post(
        admin,
        page,
        {"form": "reissue", "reissue-holder_name": "Test Person New-Name", "reissue-reason": "Legal name change"},
        page=page,
    )
    db.session.expire_all()
    new_id = db.session.get(Certificate, certified.id).superseded_by_id
    old = client.get(f"/certificates/{certified.id}").get_data(as_text=True)
    assert f'class="button" href="/certificates/{new_id}">Use your new certificate {new_id}' in old
    assert "The reason given: “Legal name change”." in unescape(old) and "corrected:" not in old
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "was replaced on" in dashboard
    listed = dashboard[dashboard.index("Your certificates") :]
    assert listed.index(f"/certificates/{new_id}") < listed.index(f"/certificates/{certified.id}"), "valid one first"


def test_the_signed_file_is_offered_for_wallets_and_boards_not_as_a_main_download(client, certified):
    html = client.get(f"/certificates/{certified.id}").get_data(as_text=True)
    assert "For wallets and boards" in html and "Download signed credential" not in html
    assert f'<a href="/certificates/{certified.id}/credential.jwt">Download the signed file (.jwt)' in html
    assert f'class="button" href="/certificates/{certified.id}/certificate.pdf"' in html
    assert "is suspended" not in html and "The reason given" not in html, "nothing to tell about a fresh certificate"


def test_nobody_else_sees_the_reason_on_the_public_verification_page(app, client, certified, make_user):
    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "suspend", "Confidential complaint detail")
    assert "Confidential complaint detail" not in app.test_client().get(f"/verify/{certified.id}").get_data(
        as_text=True
    )


def test_the_holder_can_copy_or_email_the_verification_address(client, certified):
    html = client.get(f"/certificates/{certified.id}").get_data(as_text=True)
    address = f"https://lms.example.org/verify/{certified.id}"
    assert "Share with an employer" in html
    assert f'id="verify-link" class="copy-field" type="text" readonly value="{address}" data-copy="Copy link"' in html
    assert '<script src="/assets/js/share.' in html, "the copy button is added by a script; the field works without it"
    mailto = unescape(re.search(r'href="(mailto:[^"]+)"', html).group(1))
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(mailto).query)
    assert query["subject"] == ["My certificate: Sample Course"]
    assert address in query["body"][0] and certified.id in query["body"][0]
    wallets = html[html.index("For wallets and boards") :]
    assert "Download the signed file (.jwt)" in wallets and "you don't need it to show an employer" in unescape(wallets)
    assert html.index("Download PDF") < html.index(".jwt"), "the PDF is the main download"


def test_a_suspended_certificate_offers_no_share_box(app, client, certified, make_user):
    coach = coach_for(app, make_user, certified)
    change(coach, certified.id, "suspend", "Complaint under review")
    html = client.get(f"/certificates/{certified.id}").get_data(as_text=True)
    assert "Share with an employer" not in html and "mailto:" not in html
    assert f"/verify/{certified.id}" in html, "the address is still there: anyone can check the status"
