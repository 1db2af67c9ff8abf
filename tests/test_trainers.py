"""Trainers and admins: cohorts, import, progress, live sessions, transcripts, analytics, overrides, admin."""

import io
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import event, func, select
from test_assessments_views import SAFETY, choose, start

from lms.assessments.models import Attempt
from lms.audit import AuditEvent
from lms.auth.models import User
from lms.clock import utcnow
from lms.cohorts.models import CohortMember, Override
from lms.cohorts.roster import add_member, create_cohort
from lms.extensions import db

from helpers import PASSWORD, csrf_token, join_cohort_of, post


def login(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


@pytest.fixture
def coach(app, make_user):
    make_user(email="coach@example.org", role="trainer", legal_name="Casey Coach")
    return login(app, "coach@example.org")


def make_cohort(name="Spring", trainer_email="coach@example.org"):
    trainer = db.session.scalar(select(User).where(User.email == trainer_email))
    cohort = create_cohort(name, "sample", date(2027, 3, 1), date(2027, 6, 1), trainer)
    db.session.commit()
    return cohort


def upload(client, url, text, page):
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, page), "file": (io.BytesIO(text.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )


def test_create_a_cohort_and_trainees_join_by_link(app, coach, client, trainee):
    page = coach.get("/staff/").get_data(as_text=True)
    assert "Create a cohort" in page
    response = post(
        coach,
        "/staff/cohorts",
        {"name": "Spring 2027", "course": "sample", "starts_on": "2027-03-01", "ends_on": "2027-06-01"},
        page="/staff/",
    )
    assert response.status_code == 302
    cohort_page = coach.get(response.location).get_data(as_text=True)
    code = __import__("re").search(r'<strong class="mono">([A-Z0-9]{8})</strong>', cohort_page).group(1)
    assert f"/join/{code}" in cohort_page
    assert "Join" in client.get(f"/join/{code}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 0, "GET does not join"
    joined = post(client, "/join", {"code": code.lower()}, page=f"/join/{code}")
    assert joined.location == "/courses/sample/"
    post(client, "/join", {"code": code}, page=f"/join/{code}")
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1
    assert "Test Person" in coach.get(response.location).get_data(as_text=True)
    bad_dates = post(
        coach,
        "/staff/cohorts",
        {"name": "Backwards", "course": "sample", "starts_on": "2027-06-01", "ends_on": "2027-03-01"},
        page="/staff/",
    )
    assert bad_dates.status_code == 422 and "end date must be on or after" in bad_dates.get_data(as_text=True)


def test_import_from_csv_is_all_or_nothing_with_line_numbers(app, coach, make_user):
    cohort = make_cohort()
    make_user(email="existing@example.org")
    make_user(email="boss@example.org", role="admin")
    page = f"/staff/cohorts/{cohort.id}"
    bad = "email,display name,legal name\nana@example.org,Ana,Ana Ruiz\nnot-an-email,Bo,Bo Li\n\ncy@example.org,Cy\nana@example.org,Ana,Ana R\nboss@example.org,B,B B\n"
    upload(coach, f"{page}/import", bad, page)
    shown = unescape(coach.get(page).get_data(as_text=True))
    assert "Nothing was imported" in shown
    assert "line 3: 'not-an-email' is not an email address" in shown
    assert "line 5: needs three values" in shown and "line 6: ana@example.org is already on line 2" in shown
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 0
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None
    good = "ana@example.org,Ana,Ana Ruiz\nexisting@example.org,Ex,Ex Isting\n"
    upload(coach, f"{page}/import", good, page)
    shown = unescape(coach.get(page).get_data(as_text=True))
    assert "Imported: 1 trainee(s) added, 1 new account(s)" in shown
    assert "Not added: existing@example.org already has an account" in shown, "existing accounts join by the link"
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 1


def test_cli_import_reports_each_bad_row_and_imports_nothing(app, runner, make_user, tmp_path):
    make_user(email="coach@example.org", role="trainer")
    make_cohort("Evening")
    bad = tmp_path / "bad.csv"
    bad.write_text("a@example.org,A,A A\nbroken\nb@example.org,,B\n")
    result = runner.invoke(args=["users", "import", str(bad), "--cohort", "Evening"])
    assert result.exit_code == 1
    assert (
        f"{bad}: line 2: needs three values" in result.output and f"{bad}: line 3: needs three values" in result.output
    )
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    good = tmp_path / "good.csv"
    good.write_text("email,display name,legal name\na@example.org,A,Alex Able\nb@example.org,B,Bea Bold\n")
    result = runner.invoke(args=["users", "import", str(good), "--cohort", "Evening"])
    assert result.exit_code == 0 and "2 trainee(s) added, 2 new account(s) created" in result.output
    assert runner.invoke(args=["users", "import", str(good), "--cohort", "Nope"]).exit_code == 1


def test_trainers_see_their_cohorts_trainees_only_and_admins_see_unassigned_ones(app, coach, make_user):
    make_user(email="other-coach@example.org", role="trainer")
    mine, theirs = make_cohort("Mine"), make_cohort("Theirs", "other-coach@example.org")
    in_mine, in_theirs, loose = (
        make_user(email=f"{n}@example.org", display_name=n.title()) for n in ("inmine", "intheirs", "loose")
    )
    add_member(mine, in_mine)
    add_member(theirs, in_theirs)
    db.session.commit()
    assert coach.get(f"/staff/cohorts/{mine.id}").status_code == 200
    assert coach.get(f"/staff/cohorts/{theirs.id}").status_code == 404
    assert coach.get(f"/staff/trainees/{in_mine.id}").status_code == 200
    assert coach.get(f"/staff/trainees/{loose.id}").status_code == 404, "a trainee in no cohort: admins only"
    assert coach.get(f"/staff/trainees/{in_theirs.id}").status_code == 404
    home = coach.get("/staff/").get_data(as_text=True)
    assert "Mine" in home and "Theirs" not in home and "Loose" not in home
    make_user(email="admin@example.org", role="admin")
    admin = login(app, "admin@example.org")
    assert (
        admin.get(f"/staff/cohorts/{theirs.id}").status_code == 200
        and admin.get(f"/staff/trainees/{in_theirs.id}").status_code == 200
    )
    assert admin.get(f"/staff/trainees/{loose.id}").status_code == 200 and "Loose" in admin.get("/staff/").get_data(
        as_text=True
    )


def test_progress_matrix_states_inactivity_and_csv(app, coach, client, trainee, make_user):
    cohort = make_cohort()
    idle = make_user(email="idle@example.org", display_name="Idle Ida")
    add_member(cohort, trainee)
    add_member(cohort, idle)
    db.session.commit()
    client.get("/courses/sample/listening/")
    post(client, "/courses/sample/safety/finish", page="/courses/sample/safety/")
    page = coach.get(f"/staff/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Reading" in page and "Role-play to pass" in page and "Not started" in page
    inactive = coach.get(f"/staff/cohorts/{cohort.id}?inactive=3").get_data(as_text=True)
    assert f'/staff/trainees/{idle.id}"' in inactive and f'/staff/trainees/{trainee.id}"' not in inactive
    with coach.get(f"/staff/cohorts/{cohort.id}/progress.csv") as response:
        rows = response.get_data(as_text=True).splitlines()
    assert rows[0].startswith("trainee,email,Listening,Safety First,modules complete")
    assert any(r.startswith("Test Person,trainee@example.org,Reading,Role-play to pass,0,") for r in rows)


def ten_module_content(tmp_path):
    from helpers import write_content

    modules = [f"m{i}" for i in range(10)]
    files = {"courses/big.md": f"---\ntitle: Big\nmodules: [{', '.join(modules)}]\n---\n"}
    for slug in modules:
        files[f"modules/{slug}/index.md"] = f"---\ntitle: Module {slug}\n---\nText.\n"
        files[f"modules/{slug}/q.quiz.md"] = "---\ntitle: Q\n---\n## a\n- yes\n  +1\n- no\n"
    return write_content(tmp_path, files)


def add_trainees(cohort, count, first=0):
    """Bulk-insert trainees with some progress each, as a large cohort would have."""
    from lms.reading.models import LessonProgress

    users = [
        User(email=f"t{i}@example.org", display_name=f"T{i}", legal_name=f"T {i}", password_hash="x")
        for i in range(first, first + count)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(CohortMember(cohort_id=cohort.id, user_id=u.id) for u in users)
    db.session.add_all(
        LessonProgress(
            user_id=u.id, module_slug=f"m{u.id % 10}", course_slug="big", module_fingerprint="x", seconds_spent=60
        )
        for u in users
    )
    db.session.commit()


def count_queries(client, url):
    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return counter["n"]


def test_cohort_page_for_500_trainees_and_10_modules_uses_a_bounded_number_of_queries(app_factory, tmp_path, make_user):
    app = app_factory(CONTENT_DIR=str(ten_module_content(tmp_path)))
    with app.app_context():
        make_user(email="coach@example.org", role="trainer")
        trainer = db.session.scalar(select(User).where(User.email == "coach@example.org"))
        cohort = create_cohort("Big", "big", date(2027, 1, 1), date(2027, 12, 1), trainer)
        db.session.commit()
        coach = login(app, "coach@example.org")
        add_trainees(cohort, 5)
        small = count_queries(coach, f"/staff/cohorts/{cohort.id}")
        add_trainees(cohort, 495, first=5)
        large = count_queries(coach, f"/staff/cohorts/{cohort.id}")
        page = coach.get(f"/staff/cohorts/{cohort.id}").get_data(as_text=True)
    assert large == small and small <= 15, (small, large)
    assert page.count("/staff/trainees/") == 500 and page.count('<th scope="col">Module m') == 10


def test_live_sessions_count_on_transcripts(app, coach, client, trainee):
    cohort = make_cohort()
    add_member(cohort, trainee)
    db.session.commit()
    page = f"/staff/cohorts/{cohort.id}"
    post(
        coach,
        f"{page}/sessions",
        {
            "title": "Ethics in practice",
            "held_on": "2027-03-08",
            "minutes": "120",
            "domain": "ethics",
            "attendees": [str(trainee.id)],
        },
        page=page,
    )
    assert "Ethics in practice" in coach.get(page).get_data(as_text=True)
    with coach.get(f"/staff/trainees/{trainee.id}/transcript.csv") as response:
        text = response.get_data(as_text=True)
    assert "2027-03-08,live session,Ethics in practice,ethics,120" in text and "total,,,ethics,120" in text
    with client.get("/dashboard/transcript.pdf") as mine:
        assert mine.mimetype == "application/pdf" and mine.data.startswith(b"%PDF")
    from certificate_helpers import pdf_text

    assert "Ethics in practice" in pdf_text(mine.data) and "Ethics 2\n" in pdf_text(mine.data)
    from certificate_helpers import check_tagged, structure

    check_tagged(mine.data, "Transcript: Test Person Legal")
    tags = [tag for tag, _ in structure(mine.data)]
    assert tags.count("/H2") == 2 and "/Table" in tags and "/TH" in tags
    bad = post(
        coach,
        f"{page}/sessions",
        {"title": "x", "held_on": "2027-03-08", "minutes": "0", "domain": "ethics"},
        page=page,
    )
    assert bad.status_code == 302 and "was not recorded" in coach.get(page).get_data(as_text=True)


def test_overrides_extra_attempt_lift_wait_and_module_complete(app, coach, client, trainee):
    join_cohort_of("coach@example.org", trainee.id)
    play = start(client)
    choose(client, play, "Between the peer")
    choose(client, play, "Speak more loudly")
    choose(client, play, '"Calm down')
    assert "Take some time to reflect" in client.get(SAFETY).get_data(as_text=True)
    page = f"/staff/trainees/{trainee.id}"
    post(
        coach,
        page,
        {"kind": "lift_wait", "target": "safety/quick-check", "reason": "Talked it through in class"},
        page=page,
    )
    assert "Start the role-play" in client.get(SAFETY).get_data(as_text=True) or "Try again" in client.get(
        SAFETY
    ).get_data(as_text=True)
    second = start(client)
    for text in ("Between the peer", "Speak more loudly", '"Calm down'):
        choose(client, second, text)
    db.session.execute(db.update(Attempt).values(finished_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert "You have used all 2 attempts" in client.get(SAFETY).get_data(as_text=True)
    post(coach, page, {"kind": "extra_attempt", "target": "safety/quick-check", "reason": "Illness"}, page=page)
    assert "Attempts used: 2 of 3 (including 1 extra from your trainer)." in client.get(SAFETY).get_data(as_text=True)
    assert post(client, SAFETY + "start", page=SAFETY).location.endswith("/play")
    assert "Attempts used: 3 of 3 (including 1 extra" in client.get(SAFETY).get_data(as_text=True), "never 3 of 2"
    targets = coach.get(page).get_data(as_text=True)
    assert "Role-play: Role-play:" not in targets and "Role-play: Sam&#39;s first visit" in targets
    assert "Role-play: Quick safety check" in targets
    post(
        coach,
        page,
        {"kind": "module_complete", "target": "listening", "reason": "Completed in the classroom"},
        page=page,
    )
    assert "1 of 2 modules complete" in client.get("/courses/sample/").get_data(as_text=True)
    missing = post(coach, page, {"kind": "extra_attempt", "target": "listening", "reason": "x"}, page=page)
    assert missing.status_code == 422 and "Choose which role-play" in missing.get_data(as_text=True)
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"override.lift_wait", "override.extra_attempt", "override.module_complete"} <= actions
    assert db.session.scalar(select(func.count()).select_from(Override)) == 3


def test_analytics_show_pass_rate_and_choices_taken(app, coach, client, trainee):
    cohort = make_cohort()
    add_member(cohort, trainee)
    db.session.commit()
    play = start(client)
    for text in ("To one side", "Lower your voice", '"Thank you'):
        choose(client, play, text)
    page = coach.get(f"/staff/analytics/safety/quick-check?cohort={cohort.id}").get_data(as_text=True)
    assert "1 finished attempt · pass rate 100%" in page
    assert '<svg class="chart"' in page and 'role="img"' in page and "<title" in page
    assert "To one side, leaving the way out clear.</td><td>2</td><td>1</td>" in page
    assert coach.get("/staff/analytics/safety/nope").status_code == 404


def test_grading_queue_filters_by_cohort_and_the_trainee_is_told(app, coach, client, trainee):
    from test_assessments_views import take_listening_to_the_written_scene

    cohort, other = make_cohort("With trainee"), make_cohort("Empty")
    add_member(cohort, trainee)
    db.session.commit()
    attempt_id, _ = take_listening_to_the_written_scene(client)
    assert f"/staff/grading/{attempt_id}" in coach.get(f"/staff/grading/?cohort={cohort.id}").get_data(as_text=True)
    assert f"/staff/grading/{attempt_id}" not in coach.get(f"/staff/grading/?cohort={other.id}").get_data(as_text=True)
    step_id = db.session.scalar(select(db.text("id FROM attempt_step WHERE answer IS NOT NULL")))
    post(
        coach,
        f"/staff/grading/{attempt_id}",
        {f"c{step_id}_0": "2", f"c{step_id}_1": "1", "comment": "Warm and clear."},
        page="/staff/grading/",
    )
    assert "Your trainer has graded your written answer" in client.get("/dashboard").get_data(as_text=True)


def test_admin_changes_roles_deactivates_and_makes_reset_links(app, make_user):
    make_user(email="admin@example.org", role="admin")
    person = make_user(email="p@example.org")
    admin = login(app, "admin@example.org")
    person_client = login(app, "p@example.org")
    listing = admin.get("/admin/users/?q=p@ex").get_data(as_text=True)
    assert "p@example.org" in listing and "admin@example.org" not in listing
    page = f"/admin/users/{person.id}"
    post(admin, page, {"form": "role", "role-role": "trainer", "role-reason": "Joined the training team"}, page=page)
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "trainer"
    assert person_client.get("/dashboard").status_code == 302, "a role change ends the user's sessions"
    post(admin, page, {"form": "active", "active-reason": "Left the programme"}, page=page)
    assert (
        post(app.test_client(), "/account/login", {"email": "p@example.org", "password": PASSWORD}).status_code == 422
    )
    link_page = post(admin, page, {"form": "reset"}, page=page).get_data(as_text=True)
    assert "/account/reset/" in link_page and "works once" in link_page
    own = post(
        admin,
        f"/admin/users/{db.session.scalar(select(User.id).where(User.email == 'admin@example.org'))}",
        {"form": "role", "role-role": "trainee", "role-reason": "x"},
        page=page,
    )
    assert "cannot change your own role" in own.get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "user.role_changed" in actions and "user.deactivated" in actions
    assert login(app, "coach-nope@example.org").get("/admin/users/").status_code == 302


def test_trainee_record_as_csv_lists_lessons_attempts_with_choices_and_certificates(app, coach, client, trainee):
    from certificate_helpers import claim, pass_everything

    play = start(client)
    for text in ("To one side", "Lower your voice", '"Thank you'):
        choose(client, play, text)
    pass_everything(app, client, trainee.id)
    claim(client)
    join_cohort_of("coach@example.org", trainee.id)
    with coach.get(f"/staff/trainees/{trainee.id}/record.csv") as response:
        text = response.get_data(as_text=True)
    import csv as csvlib

    rows = list(csvlib.DictReader(io.StringIO(text)))
    assert {"lesson", "role-play", "certificate"} == {r["kind"] for r in rows}
    played = [r for r in rows if r["kind"] == "role-play" and r["detail"]]
    assert played[0]["state"] == "passed" and played[0]["score"] == "6/6"
    assert played[0]["detail"].startswith("space: To one side, leaving the way out clear. | voice: Lower your voice")
