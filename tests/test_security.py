"""Security controls, each proven by a test: CSRF everywhere, no writes on GET, a role x route matrix,
ownership, two-factor sign-in, reset links, retention, audit, cookies and headers, safe parsers."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from lms.auth.models import User
from lms.clock import utcnow
from lms.extensions import db

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, post

PUBLIC, SIGNED_IN, STAFF, ADMIN, SUPERVISOR = "public", "signed-in", "staff", "admin", "supervisor"
#: admins, and trainers an admin gave the author permission (the matrix's trainers do not have it)
AUTHOR = "author"
#: Every route and who may reach it. A new route fails test_every_route_is_classified until it is added here.
ACCESS = {
    "static": PUBLIC,
    "asset": PUBLIC,
    "web.index": PUBLIC,
    "web.support": PUBLIC,
    "privacy.notice": PUBLIC,
    "web.favicon": PUBLIC,
    "courses.catalogue": PUBLIC,
    "courses.course": PUBLIC,
    "auth.register": PUBLIC,
    "auth.login": PUBLIC,
    "auth.two_factor": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.forgot": PUBLIC,
    "auth.reset": PUBLIC,
    "verify.verify_form": PUBLIC,
    "verify.verify_page": PUBLIC,
    "certificates_api.api_certificate": PUBLIC,
    "certificates_api.api_credential": PUBLIC,
    "certificates_api.api_bulk": PUBLIC,
    "verify.bulk_page": PUBLIC,
    "issuer.jwks": PUBLIC,
    "issuer.public_key": PUBLIC,
    "issuer.issuer": PUBLIC,
    "issuer.status_list": PUBLIC,
    "verify.bulk_csv": PUBLIC,
    "verify.guide": PUBLIC,
    "courses.lesson": SIGNED_IN,
    "courses.finish": SIGNED_IN,
    "courses.asset": SIGNED_IN,
    "dashboard.index": SIGNED_IN,
    "courses.roleplay_intro": SIGNED_IN,
    "courses.roleplay_start": SIGNED_IN,
    "assessments.play": SIGNED_IN,
    "assessments.answer_step": SIGNED_IN,
    "assessments.result": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "auth.two_factor_off": SIGNED_IN,
    "auth.accept_privacy": SIGNED_IN,
    "auth.end_other_sessions": SIGNED_IN,
    "dashboard.profile": SIGNED_IN,
    "courses.claim_certificate": SIGNED_IN,
    "certificates.detail": SIGNED_IN,
    "certificates.pdf": SIGNED_IN,
    "certificates.credential_download": SIGNED_IN,
    "auth.two_factor_setup": STAFF,
    "grading.queue": STAFF,
    "grading.grade": STAFF,
    "staff_certificates.staff_list": STAFF,
    "staff_certificates.decide": STAFF,
    "staff_certificates.manage": STAFF,
    "admin.audit_log": ADMIN,
    # a join link signed out names its cohort and offers sign-up; joining itself needs an account
    "join.join": PUBLIC,
    "dashboard.transcript": SIGNED_IN,
    "trainers.home": STAFF,
    "trainers.create": STAFF,
    "trainers.cohort": STAFF,
    "trainers.import_trainees": STAFF,
    "trainers.invites": STAFF,
    "trainers.add_session": STAFF,
    "trainers.cohort_csv": STAFF,
    "trainers.trainee": STAFF,
    "trainers.transcript_download": STAFF,
    "trainers.trainee_csv": STAFF,
    "trainers.quiz_analytics": STAFF,
    "admin.users": ADMIN,
    "admin.user": ADMIN,
    "admin.require_two_factor": ADMIN,
    "maintenance.healthz": PUBLIC,
    "privacy.my_data": SIGNED_IN,
    "privacy.close_account": SIGNED_IN,
    "authoring.status": STAFF,
    "authoring.reload": AUTHOR,
    "authoring.preview": STAFF,
    "publishing.index": AUTHOR,
    "publishing.upload": AUTHOR,
    "publishing.fetch": AUTHOR,
    "publishing.candidate": AUTHOR,
    "publishing.file": AUTHOR,
    "publishing.preview": AUTHOR,
    "publishing.stop": AUTHOR,
    "publishing.publish": AUTHOR,
    "publishing.discard_candidate": AUTHOR,
    "publishing.roll_back": AUTHOR,
    "publishing.practice": AUTHOR,
    # a push notification from the git host, authenticated by its HMAC signature; it only ever fetches a candidate
    "publishing.webhook": PUBLIC,
    "publishing.rolemaps": AUTHOR,
    "publishing.rolemap": AUTHOR,
    "publishing.rolemap_try": AUTHOR,
    "publishing.rolemap_walk": AUTHOR,
    "publishing.rolemap_answer": AUTHOR,
    "publishing.edit_home": AUTHOR,
    "publishing.edit_start": AUTHOR,
    "publishing.edit_files": AUTHOR,
    "publishing.edit": AUTHOR,
    "publishing.edit_image": AUTHOR,
    "publishing.edit_new_module": AUTHOR,
    "portfolio.home": SIGNED_IN,
    "portfolio.choose": SIGNED_IN,
    "portfolio.pathway": SIGNED_IN,
    "portfolio.drop": SIGNED_IN,
    "portfolio.records": SIGNED_IN,
    "portfolio.new_entry": SIGNED_IN,
    "portfolio.edit_entry": SIGNED_IN,
    "portfolio.delete_record": SIGNED_IN,
    "portfolio.new_training": SIGNED_IN,
    "portfolio.new_ce": SIGNED_IN,
    "portfolio.evidence": SIGNED_IN,
    "portfolio.exam": SIGNED_IN,
    "portfolio.certification": SIGNED_IN,
    "portfolio.staff_home": STAFF,
    "portfolio.review_record": STAFF,
    "portfolio.staff_trainee": STAFF,
    # sharing a portfolio (the holder's own links), what a board opens with a link, supervisors' pages
    "portfolio_share.shares": SIGNED_IN,
    "portfolio_share.new_share": SIGNED_IN,
    "portfolio_share.revoke": SIGNED_IN,
    "portfolio_share.shared": PUBLIC,
    "portfolio_share.shared_pdf": PUBLIC,
    "portfolio_share.shared_credential": PUBLIC,
    "portfolio_share.shared_evidence": PUBLIC,
    "portfolio_share.status_list": PUBLIC,
    "portfolio_api.portfolio": PUBLIC,
    "supervision.supervise": SUPERVISOR,
    "supervision.supervise_entry": SUPERVISOR,
    "supervision.confirm": PUBLIC,
}
#: POST endpoints that take no CSRF token because they use no cookies (a JSON API).
CSRF_EXEMPT = {"certificates_api.api_bulk", "publishing.webhook"}


@pytest.fixture
def world(app, client, make_user):
    """A trainee with an attempt and a certificate, another trainee, a trainer and an admin, plus real URL values."""
    owner = make_user(email="owner@example.org")
    post(client, "/account/login", {"email": "owner@example.org", "password": PASSWORD})
    pass_everything(app, client, owner.id)
    claim(client)
    start = post(client, "/courses/sample/listening/roleplay/first-visit/start", page="/courses/")
    from lms.assessments.models import Attempt
    from lms.certificates.models import Certificate

    cert = db.session.scalars(select(Certificate)).one()
    attempt = db.session.scalars(select(Attempt).where(Attempt.state == "open")).one()
    assert start.location == f"/attempts/{attempt.id}/play"
    for email, role in [
        ("other@example.org", "trainee"),
        ("coach@example.org", "trainer"),
        ("admin@example.org", "admin"),
        ("rival@example.org", "trainer"),
    ]:
        make_user(email=email, role=role)
    from datetime import date

    from lms.cohorts.roster import add_member, create_cohort

    coach = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    cohort = create_cohort("Autumn", "sample", date(2026, 9, 1), date(2026, 12, 1), coach)
    add_member(cohort, owner)
    rival = db.session.scalar(select(User).where(User.email == "rival@example.org"))
    create_cohort("Winter", "sample", date(2026, 9, 1), date(2026, 12, 1), rival)  # runs a cohort, not the owner's
    db.session.commit()
    values = {
        "course_slug": "sample",
        "module_slug": "listening",
        "quiz_slug": "first-visit",
        "attempt_id": attempt.id,
        "cert_id": cert.id,
        "asset": "images/loop.png",
        "purpose": "revocation",
        "kid": "nope",
        "token": "nope",
        "request_id": 999999,
        "filename": "css/site.css",
        "name": "css/site.0000000000.css",
        "cohort_id": cohort.id,
        "user_id": owner.id,
        "fmt": "csv",
        "code": cohort.join_code,
        "candidate_id": 999999,
        "path": "courses/sample.md",
        "fingerprint": "0" * 64,
        "pathway_slug": "sample-credential",
        "kind": "experience",
        "record_kind": "training",
        "entry_id": 999999,
        "record_id": 999999,
        "share_id": 999999,
        "evidence_id": 999999,
    }
    return {"owner": client, "values": values, "cert": cert, "attempt": attempt}


def signed_in(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def rules(app):
    for rule in app.url_map.iter_rules():
        yield rule, rule.endpoint


def build(rule, values):
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


def test_every_route_is_classified(app):
    assert {endpoint for _, endpoint in rules(app)} == set(ACCESS)


#: URL values that name the owner's records: another cohort's trainer gets 404 on every page built from one.
ABOUT_OWNER = {"attempt_id", "cert_id", "user_id", "cohort_id"}


def test_role_by_route_matrix(app, world):
    """'trainer' runs the owner's cohort; 'other trainer' runs another cohort and sees none of the owner's records."""
    visitors = {
        "anonymous": app.test_client(),
        "trainee": signed_in(app, "other@example.org"),
        "trainer": signed_in(app, "coach@example.org"),
        "other trainer": signed_in(app, "rival@example.org"),
        "admin": signed_in(app, "admin@example.org"),
    }
    checked = 0
    for rule, endpoint in rules(app):
        if "GET" not in rule.methods:
            continue
        url = build(rule, world["values"])
        for who, client in visitors.items():
            response = client.get(url)
            response.close()
            access = ACCESS[endpoint]
            if access in (SIGNED_IN, STAFF, ADMIN, AUTHOR, SUPERVISOR) and who == "anonymous":
                assert response.status_code == 302 and "/account/login" in response.location, (who, url)
            elif access == SUPERVISOR or access == AUTHOR and who != "admin":
                assert response.status_code == 403, (who, url, response.status_code)
            elif access == ADMIN and who == "other trainer":
                assert response.status_code == 403, (who, url, response.status_code)
            elif who == "other trainer" and access != PUBLIC and rule.arguments & ABOUT_OWNER:
                assert response.status_code == 404, (who, url, response.status_code)
            elif access == STAFF and who == "trainee" or access in (ADMIN, AUTHOR) and who in ("trainee", "trainer"):
                assert response.status_code == 403, (who, url, response.status_code)
            else:
                assert response.status_code < 500 and response.status_code != 403, (who, url, response.status_code)
            checked += 1
    assert checked > 100


def test_another_trainees_records_answer_404(app, world):
    other = signed_in(app, "other@example.org")
    attempt, cert = world["attempt"].id, world["cert"].id
    for url in [
        f"/attempts/{attempt}/play",
        f"/attempts/{attempt}",
        f"/certificates/{cert}",
        f"/certificates/{cert}/certificate.pdf",
        f"/certificates/{cert}/credential.jwt",
    ]:
        assert other.get(url).status_code == 404, url
    assert (
        post(
            other,
            f"/attempts/{attempt}/answer",
            {"position": "0", "scene": "opening", "choice": "0"},
            page="/dashboard",
        ).status_code
        == 404
    )
    assert world["owner"].get(f"/certificates/{cert}/certificate.pdf").status_code == 200


def row_counts() -> dict:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar()
    return counts


def test_every_state_changing_request_needs_a_csrf_token(app, world):
    clients = [app.test_client(), world["owner"], signed_in(app, "coach@example.org")]
    before = row_counts()
    posts = 0
    for rule, endpoint in rules(app):
        if "POST" not in rule.methods or endpoint in CSRF_EXEMPT:
            continue
        for client in clients:
            response = client.post(
                build(rule, world["values"]), data={"reason": "x", "decision": "approve", "form": "status"}
            )
            assert response.status_code == 400, (rule.rule, response.status_code)
            posts += 1
    db.session.expire_all()
    assert row_counts() == before, "a refused POST changed nothing"
    assert posts >= 30


def test_no_state_change_on_get_except_recording_a_lesson_view(app, world):
    clients = [
        app.test_client(),
        world["owner"],
        signed_in(app, "coach@example.org"),
        signed_in(app, "admin@example.org"),
    ]
    db.session.execute(text("DELETE FROM audit_event"))
    db.session.commit()
    before = row_counts()
    snapshot = _table_digest()
    for rule, endpoint in rules(app):
        if "GET" in rule.methods:
            for client in clients:
                client.get(build(rule, world["values"])).close()
    db.session.expire_all()
    after, digest = row_counts(), _table_digest()
    before.pop("lesson_progress"), after.pop("lesson_progress")  # recording a lesson view is the one allowed write
    assert after == before
    changed = {name for name in digest if digest[name] != snapshot[name]}
    assert changed <= {"lesson_progress"}, changed


def _table_digest() -> dict:
    import hashlib

    digests = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def test_two_factor_sign_in_for_staff(app, make_user):
    import pyotp

    make_user(email="coach@example.org", role="trainer")
    coach = signed_in(app, "coach@example.org")
    assert "<svg" not in coach.get("/account/two-factor").get_data(as_text=True), "a GET changes nothing"
    started = post(coach, "/account/two-factor", {"start-submit": "y"}, page="/account/two-factor")
    assert started.status_code == 302
    page = coach.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'Key: <span class="mono">([A-Z2-7]+)</span>', page).group(1)
    assert "<svg" in page
    wrong = post(coach, "/account/two-factor", {"code": "000000"}, page="/account/two-factor")
    assert wrong.status_code == 422
    assert (
        post(coach, "/account/two-factor", {"code": pyotp.TOTP(secret).now()}, page="/account/two-factor").status_code
        == 302
    )
    post(coach, "/account/logout", page="/dashboard")
    fresh = app.test_client()
    after_password = post(fresh, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    assert after_password.location == "/account/login/code"
    assert fresh.get("/dashboard").status_code == 302, "a password alone does not sign in"
    used = pyotp.TOTP(secret).now()
    replay = post(fresh, "/account/login/code", {"code": used}, page="/account/login/code")
    assert replay.status_code == 422, "the code used to turn 2FA on cannot be replayed"
    user = db.session.scalar(select(User).where(User.email == "coach@example.org"))
    user.totp_last_step -= 1  # the next 30-second window, without waiting for it
    db.session.commit()
    assert post(fresh, "/account/login/code", {"code": used}, page="/account/login/code").status_code == 302
    assert fresh.get("/dashboard").status_code == 200


def test_an_admin_can_require_two_factor_for_staff(app_factory, make_user):
    app = app_factory(REQUIRE_STAFF_2FA=True)
    with app.app_context():
        make_user(email="coach@example.org", role="trainer")
        make_user(email="t@example.org")
    coach = signed_in(app, "coach@example.org")
    assert coach.get("/staff/grading/").location == "/account/two-factor"
    assert signed_in(app, "t@example.org").get("/dashboard").status_code == 200, "trainees are not asked"


def test_an_admin_can_require_two_factor_from_the_users_page(app, make_user):
    make_user(email="admin@example.org", role="admin")
    make_user(email="coach@example.org", role="trainer")
    admin = signed_in(app, "admin@example.org")
    coach = signed_in(app, "coach@example.org")
    assert coach.get("/staff/grading/").status_code == 200
    post(admin, "/admin/two-factor", {"required": "1"}, page="/admin/users/")
    assert coach.get("/staff/grading/").location == "/account/two-factor"
    assert admin.get("/admin/users/").location == "/account/two-factor", "admins too"
    from lms.audit import AuditEvent

    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.staff_two_factor")) is not None


def test_trainees_cannot_set_up_two_factor(client, trainee):
    assert client.get("/account/two-factor").status_code == 403


def test_forgot_password_answers_the_same_and_reset_links_work_once(app, client, make_user, runner):
    make_user(email="a@example.org")
    known = post(client, "/account/forgot", {"email": "a@example.org"}, page="/account/forgot")
    unknown = post(client, "/account/forgot", {"email": "nobody@example.org"}, page="/account/forgot")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    link = runner.invoke(args=["users", "reset-link", "a@example.org"]).output.strip().splitlines()[-1]
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert (
        post(
            client, "/" + path, {"password": "my new passphrase", "confirm": "my new passphrase"}, page="/" + path
        ).status_code
        == 302
    )
    assert client.get("/" + path).status_code == 404, "single use"
    assert (
        post(client, "/account/login", {"email": "a@example.org", "password": "my new passphrase"}).status_code == 302
    )
    from lms.auth.models import PasswordReset

    assert all(len(r.token_hash) == 64 for r in db.session.scalars(select(PasswordReset)))
    assert path.rsplit("/", 1)[1] not in repr(db.session.execute(select(PasswordReset)).all())


def test_audit_log_records_sign_ins_and_failures_never_passwords_or_answers(app, client, make_user):
    from lms.audit import AuditEvent

    make_user(email="a@example.org")
    post(client, "/account/login", {"email": "a@example.org", "password": "wrong horse battery"})
    post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["auth.login_failed", "auth.login"]
    dump = repr([(e.action, e.details, e.subject) for e in db.session.scalars(select(AuditEvent))])
    assert PASSWORD not in dump and "wrong horse battery" not in dump
    assert all(e.ip == "127.0.0.1" for e in db.session.scalars(select(AuditEvent)))


def test_audit_log_lines_cannot_be_forged(app, caplog):
    import json
    import logging

    from lms import audit

    with app.test_request_context(), caplog.at_level(logging.INFO, logger="lms.audit"):
        audit.record("test.event", "x", reason='ok"}\n{"action": "certificate.revoked", "forged": true')
    lines = [r.getMessage() for r in caplog.records if r.name == "lms.audit"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert json.loads(lines[0])["action"] == "test.event"


def test_written_answers_are_deleted_after_the_retention_period_but_scores_stay(app, runner, client, trainee):
    from test_assessments_views import take_listening_to_the_written_scene

    from lms.assessments.models import Attempt, AttemptStep
    from lms.privacy import REMOVED

    attempt_id, _ = take_listening_to_the_written_scene(client)
    attempt = db.session.get(Attempt, int(attempt_id))
    attempt.state, attempt.score, attempt.graded_at = "passed", 5, utcnow() - timedelta(days=731)
    db.session.commit()
    assert "Deleted 1 written answer(s)" in runner.invoke(args=["data", "purge-answers"]).output
    db.session.expire_all()
    step = db.session.scalars(select(AttemptStep).where(AttemptStep.answer.is_not(None))).one()
    assert step.answer == REMOVED and db.session.get(Attempt, int(attempt_id)).score == 5
    assert "Deleted 0 written answer(s)" in runner.invoke(args=["data", "purge-answers"]).output


def test_an_unsent_draft_is_purged_with_the_written_answers(app, runner, client, trainee):
    from test_assessments_views import reach_the_written_scene

    from lms.assessments.models import Attempt

    play, attempt_id, position, scene = reach_the_written_scene(client)
    post(
        client,
        f"/attempts/{attempt_id}/answer",
        {"position": position, "scene": scene, "answer": "my draft", "save_draft": "1"},
        page=play,
    )
    assert "Deleted 0 written answer(s)" in runner.invoke(args=["data", "purge-answers"]).output
    attempt = db.session.get(Attempt, int(attempt_id))
    assert attempt.draft == "my draft", "a recent draft stays"
    attempt.started_at = utcnow() - timedelta(days=731)
    db.session.commit()
    assert "Deleted 1 written answer(s)" in runner.invoke(args=["data", "purge-answers"]).output
    db.session.expire_all()
    assert db.session.get(Attempt, int(attempt_id)).draft is None


def test_cookies_and_headers(app_factory, make_user):
    prod = app_factory(TESTING=False)
    with prod.app_context():
        make_user(email="a@example.org")
    client = prod.test_client()
    response = post(
        client,
        "https://lms.example.org/account/login",
        {"email": "a@example.org", "password": PASSWORD},
        page="https://lms.example.org/account/login",
        headers={"Referer": "https://lms.example.org/account/login"},  # over https Flask-WTF wants the referrer
    )
    assert response.status_code == 302  # signed in: the cookie below is the signed-in session's
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    headers = client.get("https://lms.example.org/courses/").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert (
        "frame-src https://player.vimeo.com https://www.youtube-nocookie.com https://www.youtube.com"
        in headers["Content-Security-Policy"]
    )


def test_no_eval_exec_or_template_rendering_of_author_text():
    source = Path(__file__).resolve().parents[1] / "lms"
    for path in source.rglob("*.py"):
        code = path.read_text()
        for banned in ("eval(", "exec(", "render_template_string", "Template(", "yaml.load(", "pickle"):
            if banned == "yaml.load(":
                assert all("SafeLoader" in line for line in code.splitlines() if banned in line), path
            else:
                assert banned not in code, (path, banned)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_quiz_bits = st.sampled_from(
    [
        "---\n",
        "title: Q\n",
        "pass_mark: 70\n",
        "## a\n",
        "## b (written)\n",
        "## end\n",
        "- choice -> b\n",
        "- x -> a\n",
        "  +2 listening\n",
        "  -1\n",
        "  critical\n",
        "  > why\n",
        "> stray\n",
        "1. numbered\n",
        "text\n",
        "\n",
        "- [x](javascript:1)\n",
        "  + 2\n",
        "## \n",
        "title: [\n",
        "feedback: end\n",
        "\t\n",
        "<script>x</script>\n",
        "- (3 points, a)\n",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_quiz_bits, st.text(max_size=30)), max_size=25))
def test_content_parsers_never_raise_anything_but_reported_problems(parts):
    from lms.content.frontmatter import split
    from lms.content.problems import Collector
    from lms.content.quiz_parser import parse_quiz

    source = "".join(parts)
    problems = Collector()
    parse_quiz("fuzz.quiz.md", source, None, problems)
    split(source, "fuzz.md", Collector())
    assert all(p.line >= 1 for p in problems.problems)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(_quiz_bits, st.text(max_size=20)), max_size=12))
def test_the_loader_raises_only_its_own_error_type(tmp_path_factory, parts):
    from lms.content.loader import load_catalog
    from lms.content.problems import ContentError

    from helpers import write_content

    root = write_content(
        tmp_path_factory.mktemp("fuzz"),
        {"modules/m/q.quiz.md": "".join(parts), "modules/m/index.md": "".join(reversed(parts))},
    )
    try:
        load_catalog(root)
    except ContentError:
        pass


def test_signing_in_starts_a_fresh_session(app, client, make_user):
    make_user(email="a@example.org")
    client.get("/account/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone before sign-in"
        anonymous_token = session.get("csrf_token")
    post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("csrf_token") != anonymous_token
        assert session.get("_user_id")
