"""Cohort isolation (security review F5): a trainer sees and acts on the trainees of the cohorts they run,
and nobody else; admins see everyone; a trainee in no cohort is visible to admins only.

Trainer Alpha runs cohort A (Alice). Trainer Beta runs cohort B (Carol, with a written answer waiting and a
certificate, and Cora, with a certificate request waiting). Each attack from the review's F5 table is made by
Alpha through HTTP.
"""

import io
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select
from test_assessments_views import take_listening_to_the_written_scene

from lms.assessments.models import PENDING, Attempt, AttemptStep
from lms.auth.models import User
from lms.certificates.models import Certificate, CertificateRequest
from lms.cohorts.models import Attendance, CohortMember, Override
from lms.cohorts.roster import add_member, create_cohort
from lms.extensions import db

from certificate_helpers import claim, content_variant, pass_everything
from helpers import PASSWORD, csrf_token, post

ANSWER = "That sounds really lonely"  # Carol's written answer, from take_listening_to_the_written_scene


def signed_in(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


@pytest.fixture
def world(app_factory, tmp_path, make_user):
    app = app_factory(CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  approval: trainer\n")))
    with app.app_context():
        alpha = make_user(email="alpha@example.org", role="trainer", display_name="Alpha Coach")
        beta = make_user(email="beta@example.org", role="trainer", display_name="Beta Coach")
        make_user(email="admin@example.org", role="admin")
        people = {
            name: make_user(
                email=f"{name}@example.org",
                display_name=f"{name.title()} Person",
                legal_name=f"{name.title()} Legalname",
            )
            for name in ("alice", "carol", "cora", "loose")
        }
        cohort_a = create_cohort("Cohort A", "sample", date(2026, 9, 1), date(2026, 12, 1), alpha)
        cohort_b = create_cohort("Cohort B", "sample", date(2026, 9, 1), date(2026, 12, 1), beta)
        add_member(cohort_a, people["alice"])
        add_member(cohort_b, people["carol"])
        add_member(cohort_b, people["cora"])
        db.session.commit()
        ids = {name: user.id for name, user in people.items()} | {"a": cohort_a.id, "b": cohort_b.id}
    carol, cora, admin = (
        signed_in(app, "carol@example.org"),
        signed_in(app, "cora@example.org"),
        signed_in(app, "admin@example.org"),
    )
    attempt_id, _ = take_listening_to_the_written_scene(carol)
    for client, name in ((carol, "carol"), (cora, "cora")):
        pass_everything(app, client, ids[name])
        claim(client)
    with app.app_context():
        carols = db.session.scalar(select(CertificateRequest).where(CertificateRequest.user_id == ids["carol"]))
        ids["cora_request"] = db.session.scalar(
            select(CertificateRequest.id).where(CertificateRequest.user_id == ids["cora"])
        )
        carols_id = carols.id
    post(admin, f"/staff/certificates/requests/{carols_id}", {"decision": "approve"}, page="/staff/certificates/")
    with app.app_context():
        ids["cert"] = db.session.scalar(select(Certificate.id).where(Certificate.user_id == ids["carol"]))
        ids["attempt"] = int(attempt_id)
        assert ids["cert"] and db.session.get(Attempt, ids["attempt"]).state == PENDING
    return app, ids


def carols_urls(ids):
    """Every staff-facing page about Carol or her records."""
    return [
        f"/attempts/{ids['attempt']}",
        f"/staff/grading/{ids['attempt']}",
        f"/staff/trainees/{ids['carol']}",
        f"/staff/trainees/{ids['carol']}/record.csv",
        f"/staff/trainees/{ids['carol']}/transcript.csv",
        f"/staff/certificates/{ids['cert']}",
        f"/certificates/{ids['cert']}",
        f"/certificates/{ids['cert']}/certificate.pdf",
        f"/certificates/{ids['cert']}/credential.jwt",
        f"/staff/cohorts/{ids['b']}",
        f"/staff/cohorts/{ids['b']}/progress.csv",
        f"/staff/grading/?cohort={ids['b']}",
        f"/staff/analytics/listening/first-visit?cohort={ids['b']}",
    ]


def test_another_cohorts_trainer_gets_404_on_every_page_about_its_trainees(world):
    app, ids = world
    alpha, beta, admin = (signed_in(app, f"{n}@example.org") for n in ("alpha", "beta", "admin"))
    for url in carols_urls(ids):
        assert alpha.get(url).status_code == 404, url
        assert beta.get(url).status_code == 200, url
        assert admin.get(url).status_code == 200, url
    assert alpha.get(f"/staff/trainees/{ids['carol']}/transcript.pdf").status_code == 404


def test_another_cohorts_trainer_cannot_grade_suspend_revoke_reissue_approve_or_override(world):
    app, ids = world
    alpha = signed_in(app, "alpha@example.org")
    with app.app_context():
        step = db.session.scalar(
            select(AttemptStep.id).where(AttemptStep.attempt_id == ids["attempt"], AttemptStep.answer.is_not(None))
        )
    graded = post(
        alpha,
        f"/staff/grading/{ids['attempt']}",
        {f"c{step}_0": "2", f"c{step}_1": "1", "comment": "x"},
        page="/staff/grading/",
    )
    assert graded.status_code == 404
    page = f"/staff/certificates/{ids['cert']}"
    for action in ("suspend", "revoke"):
        response = post(
            alpha,
            page,
            {"form": "status", "status-action": action, "status-reason": "because", "status-confirm": "y"},
            page="/staff/grading/",
        )
        assert response.status_code == 404, action
    reissued = post(
        alpha,
        page,
        {"form": "reissue", "reissue-holder_name": "Someone Else", "reissue-reason": "x"},
        page="/staff/grading/",
    )
    assert reissued.status_code == 404
    decided = post(
        alpha, f"/staff/certificates/requests/{ids['cora_request']}", {"decision": "approve"}, page="/staff/grading/"
    )
    assert decided.status_code == 404
    override = post(
        alpha,
        f"/staff/trainees/{ids['carol']}",
        {"kind": "extra_attempt", "target": "listening/first-visit", "reason": "x"},
        page="/staff/grading/",
    )
    assert override.status_code == 404
    post(
        alpha,
        f"/staff/cohorts/{ids['a']}/sessions",
        {
            "title": "Live",
            "held_on": "2026-10-01",
            "minutes": "60",
            "domain": "mentoring",
            "attendees": [str(ids["carol"])],
        },
        page="/staff/grading/",
    )
    with app.app_context():
        assert db.session.get(Attempt, ids["attempt"]).state == PENDING
        assert db.session.scalar(select(Certificate.status).where(Certificate.id == ids["cert"])) == "valid"
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        assert db.session.get(CertificateRequest, ids["cora_request"]).state == "pending"
        assert db.session.scalar(select(func.count()).select_from(Override)) == 0
        assert (
            db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.user_id == ids["carol"]))
            == 0
        )


def test_lists_show_a_trainer_only_their_own_trainees(world):
    app, ids = world
    alpha, beta = signed_in(app, "alpha@example.org"), signed_in(app, "beta@example.org")
    lists = [
        "/staff/grading/",
        "/staff/certificates/",
        "/staff/certificates/?q=Carol",
        "/staff/",
        "/staff/analytics/listening/first-visit",
    ]
    for url in lists:
        page = unescape(alpha.get(url).get_data(as_text=True))
        for secret in (
            "Carol Person",
            "carol@example.org",
            "Cora Person",
            "cora@example.org",
            ids["cert"],
            f"/staff/grading/{ids['attempt']}",
            ANSWER,
        ):
            assert secret not in page, (url, secret)
    queue = beta.get("/staff/grading/").get_data(as_text=True)
    assert f"/staff/grading/{ids['attempt']}" in queue
    certificates = beta.get("/staff/certificates/").get_data(as_text=True)
    assert ids["cert"] in certificates and "cora@example.org" in certificates


def test_the_audit_log_is_for_admins(world):
    app, ids = world
    assert signed_in(app, "alpha@example.org").get("/admin/audit/").status_code == 403
    assert signed_in(app, "beta@example.org").get("/admin/audit/").status_code == 403
    log = signed_in(app, "admin@example.org").get("/admin/audit/")
    assert log.status_code == 200 and "carol@example.org" in log.get_data(as_text=True)


def test_a_trainee_in_no_cohort_is_visible_to_admins_only(world):
    app, ids = world
    alpha, admin = signed_in(app, "alpha@example.org"), signed_in(app, "admin@example.org")
    assert alpha.get(f"/staff/trainees/{ids['loose']}").status_code == 404
    assert "Loose Person" not in alpha.get("/staff/").get_data(as_text=True)
    assert admin.get(f"/staff/trainees/{ids['loose']}").status_code == 200
    assert "Loose Person" in admin.get("/staff/").get_data(as_text=True)


def test_importing_an_existing_account_does_not_attach_it(world):
    app, ids = world
    alpha = signed_in(app, "alpha@example.org")
    page = f"/staff/cohorts/{ids['a']}"
    roster = "carol@example.org,Carol,Carol Legalname\nnewbie@example.org,Newbie,Newbie Person\n"
    alpha.post(
        f"{page}/import",
        data={"csrf_token": csrf_token(alpha, page), "file": (io.BytesIO(roster.encode()), "r.csv")},
        content_type="multipart/form-data",
    )
    shown = unescape(alpha.get(page).get_data(as_text=True))
    assert "carol@example.org already has an account" in shown and "join link" in shown
    with app.app_context():
        members = set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == ids["a"])))
        newbie = db.session.scalar(select(User.id).where(User.email == "newbie@example.org"))
    assert ids["carol"] not in members and newbie in members, "a new email is still created and added"
    assert alpha.get(f"/staff/trainees/{ids['carol']}").status_code == 404
    assert alpha.get(f"/staff/trainees/{ids['carol']}/record.csv").status_code == 404
