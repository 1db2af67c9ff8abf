"""The authoring loop: one content version for every process, reload without restart, previews, practice."""

import shutil

from sqlalchemy import select
from test_assessments_views import SAFETY, choose, start

from lms.assessments.models import Attempt
from lms.extensions import db

from helpers import PASSWORD, TEST_CONTENT, post


def copy_content(tmp_path, name="content"):
    root = tmp_path / name
    shutil.copytree(TEST_CONTENT, root)
    return root


def retitle(root, title):
    course = root / "courses/sample.md"
    course.write_text(course.read_text().replace("title: Sample Course", f"title: {title}", 1))


def login(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def test_every_process_serves_the_version_last_published(app_factory, tmp_path):
    first_dir, second_dir = copy_content(tmp_path, "one"), copy_content(tmp_path, "two")
    retitle(second_dir, "Sample Course, Revised")
    first = app_factory(CONTENT_DIR=str(first_dir), CONTENT_CHECK_SECONDS=0)
    assert "<h1>Sample Course</h1>" in first.test_client().get("/courses/sample/").get_data(as_text=True)
    second = app_factory(CONTENT_DIR=str(second_dir), CONTENT_CHECK_SECONDS=0)  # another process, newer files
    assert "<h1>Sample Course, Revised</h1>" in second.test_client().get("/courses/sample/").get_data(as_text=True)
    assert "<h1>Sample Course, Revised</h1>" in first.test_client().get("/courses/sample/").get_data(as_text=True), (
        "the first process follows the version the second published"
    )


def test_broken_files_keep_the_last_good_version_and_show_trainers_the_errors(app, app_factory, tmp_path, make_user):
    # `app` first: on PostgreSQL the test's first app empties the shared database after it starts, and
    # the good version the next app publishes must survive that.
    root = copy_content(tmp_path)
    app_factory(CONTENT_DIR=str(root))  # publishes a good version
    (root / "courses/sample.md").write_text("---\ntitle: Broken\nmodules: [listening, ghost]\n---\n")
    restarted = app_factory(CONTENT_DIR=str(root))  # a process started afterwards still starts
    with restarted.app_context():
        make_user(email="coach@example.org", role="trainer")
        make_user(email="t@example.org")
    assert "<h1>Sample Course</h1>" in restarted.test_client().get("/courses/sample/").get_data(as_text=True)
    status = login(restarted, "coach@example.org").get("/staff/content/").get_data(as_text=True)
    assert "The files on disk have 1 error" in status and "unknown module &#39;ghost&#39;" in status
    assert login(restarted, "t@example.org").get("/staff/content/").status_code == 403


def test_reload_on_request_publishes_good_files_and_refuses_broken_ones(app_factory, tmp_path, make_user):
    root = copy_content(tmp_path)
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        make_user(email="coach@example.org", role="trainer").can_author = True
        db.session.commit()
    coach = login(app, "coach@example.org")
    retitle(root, "Sample Course 2")
    post(coach, "/staff/content/reload", page="/staff/content/")
    assert "<h1>Sample Course 2</h1>" in app.test_client().get("/courses/sample/").get_data(as_text=True)
    (root / "modules/safety/quick-check.quiz.md").write_text("---\ntitle: Q\n---\n## a\n- x -> nowhere\n  +1\n")
    response = post(coach, "/staff/content/reload", page="/staff/content/")
    page = coach.get(response.location).get_data(as_text=True)
    assert "the last good version is still served" in page and "arrow to unknown scene" in page
    assert "<h1>Sample Course 2</h1>" in app.test_client().get("/courses/sample/").get_data(as_text=True)


def test_reload_publishes_so_it_needs_the_author_permission(app_factory, tmp_path, make_user):
    root = copy_content(tmp_path)
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        make_user(email="grader@example.org", role="trainer")
    retitle(root, "Sample Course 2")
    assert post(login(app, "grader@example.org"), "/staff/content/reload", page="/staff/content/").status_code == 403
    assert "<h1>Sample Course</h1>" in app.test_client().get("/courses/sample/").get_data(as_text=True)


def test_debug_mode_picks_up_edited_files_without_a_reload(app_factory, tmp_path):
    root = copy_content(tmp_path)
    app = app_factory(CONTENT_DIR=str(root), CONTENT_CHECK_SECONDS=0)
    app.debug = True
    retitle(root, "Edited While Running")
    assert "<h1>Edited While Running</h1>" in app.test_client().get("/courses/sample/").get_data(as_text=True)


def test_trainers_preview_drafts_that_trainees_cannot_see(app_factory, tmp_path, make_user):
    root = copy_content(tmp_path)
    lesson = root / "modules/safety/index.md"
    lesson.write_text(lesson.read_text().replace("title: Safety First", "title: Safety First\ndraft: true"))
    course = root / "courses/sample.md"  # a draft module is not delivered, so it backs no hours
    course.write_text(course.read_text().replace("hours: {mentoring: 2, ethics: 1}", "hours: {mentoring: 2}"))
    app = app_factory(CONTENT_DIR=str(root))
    with app.app_context():
        make_user(email="coach@example.org", role="trainer")
        make_user(email="t@example.org")
    coach, trainee = login(app, "coach@example.org"), login(app, "t@example.org")
    assert "Draft" in coach.get("/staff/content/").get_data(as_text=True)
    preview = coach.get("/staff/content/preview/safety/").get_data(as_text=True)
    assert "Preview of a draft module" in preview and "Safety comes first" in preview
    assert trainee.get("/courses/sample/safety/").status_code == 404
    assert "Safety First" not in trainee.get("/courses/sample/").get_data(as_text=True)
    assert coach.get("/courses/sample/safety/").status_code == 200


def test_trainers_practise_role_plays_without_limits_or_counting(app, client, make_user):
    make_user(email="coach@example.org", role="trainer")
    post(client, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    for _ in range(3):  # the quiz allows two attempts; practice has no limit
        play = start(client)
        for text in ("Between the peer", "Speak more loudly", '"Calm down'):
            choose(client, play, text)
    assert "this is practice" in client.get(SAFETY).get_data(as_text=True)
    attempts = db.session.scalars(select(Attempt)).all()
    assert len(attempts) == 3 and all(a.practice for a in attempts)
    make_user(email="admin@example.org", role="admin")
    admin = login(app, "admin@example.org")
    assert "0 finished attempts" in admin.get("/staff/analytics/safety/quick-check").get_data(as_text=True)
