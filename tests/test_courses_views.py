"""Trainee pages: catalogue, course, lesson, finishing, assets, dashboard, reading time."""

from datetime import timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.reading.models import LessonProgress

from helpers import post

LESSON = "/courses/sample/listening/"
#: the listening lesson has two `##` sections, so it is read in two pages
LAST = LESSON + "?section=2"


def test_catalogue_and_course_page_are_public(client):
    html = client.get("/courses/").get_data(as_text=True)
    assert "Sample Course" in html and "2 modules" in html and "3 contact hours" in html
    course = client.get("/courses/sample/").get_data(as_text=True)
    assert "<h1>Sample Course</h1>" in course and "Listening" in course and "Safety First" in course
    assert "Create an account to start" in course


def test_unknown_slugs_are_404_pages(client, trainee):
    for url in ["/courses/nope/", "/courses/sample/nope/", "/courses/nope/listening/", "/definitely/not/here"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)


def test_lesson_requires_sign_in(client):
    response = client.get(LESSON)
    assert response.status_code == 302 and "/account/login" in response.location


def test_lesson_page_has_one_h1_contents_time_and_a_finish_action_at_the_end(client, trainee):
    html = client.get(LESSON).get_data(as_text=True)
    assert html.count("<h1") == 1 and "<h1>Listening well</h1>" in html
    assert '<nav class="toc lesson-contents" aria-label="Sections of this lesson">' in html
    assert 'href="/courses/sample/listening/?section=2">Open questions</a>' in html
    assert "about 120 minutes" in html and "Module 1 of 2" in html and "Section 1 of 2" in html
    assert "I have finished reading" not in html, "the finish button waits at the end of the last section"
    last = client.get(LAST).get_data(as_text=True)
    assert last.count("<h1") == 1 and "<h1>Listening well</h1>" in last and "Section 2 of 2" in last
    assert "I have finished reading" in last
    assert 'rel="next" href="/courses/sample/safety/"' in last


def test_lesson_without_its_own_heading_gets_the_title_as_h1_and_content_note(client, trainee):
    html = client.get("/courses/sample/safety/").get_data(as_text=True)
    assert html.count("<h1") == 1 and "<h1>Safety First</h1>" in html
    assert "Content note:" in html and "This lesson mentions self-harm." in html


def test_opening_a_lesson_records_it(client, trainee):
    client.get(LESSON)
    row = db.session.scalar(select(LessonProgress))
    assert row.user_id == trainee.id and row.module_slug == "listening" and row.course_slug == "sample"
    assert row.first_opened_at is not None and row.finished_at is None


def test_finishing_is_idempotent_and_credits_reading_time(client, trainee):
    client.get(LESSON)
    row = db.session.scalar(select(LessonProgress))
    row.last_opened_at -= timedelta(minutes=12)
    db.session.commit()
    first = post(client, LESSON + "finish", page=LAST)
    second = post(client, LESSON + "finish", page=LAST)
    assert first.status_code == second.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(LessonProgress)).all()
    assert len(rows) == 1 and rows[0].finished_at is not None
    assert 12 * 60 <= rows[0].seconds_spent < 13 * 60 + 30, "the second click adds nothing"


def test_a_long_absence_is_not_counted_as_reading(client, trainee):
    client.get(LESSON)
    row = db.session.scalar(select(LessonProgress))
    row.last_opened_at -= timedelta(hours=5)
    db.session.commit()
    client.get(LESSON)
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress)).seconds_spent < 5


def test_module_with_a_required_role_play_is_not_complete_until_passed(client, trainee):
    client.get(LESSON)
    response = post(client, LESSON + "finish", page=LAST)
    assert response.location.endswith("/courses/sample/listening/?section=2#practice")
    course = client.get("/courses/sample/").get_data(as_text=True)
    assert "Role-play to pass" in course and "0 of 2 modules complete" in course


def test_dashboard_shows_progress_and_continue_where_you_left_off(app, client, make_user, auth):
    make_user(email="t@example.org")
    auth.login("t@example.org")
    assert "You have not started a course yet" in client.get("/dashboard").get_data(as_text=True)
    client.get("/courses/sample/safety/")
    post(client, "/courses/sample/safety/finish", page="/courses/sample/safety/")
    auth.logout()
    auth.login("t@example.org")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Continue where you left off" in html
    assert "Quick safety check" not in html
    assert 'href="/courses/sample/safety/"' in html, "the safety module still needs its role-play"
    assert "0 of 2 modules complete" in html


def test_module_assets_are_served_but_never_markdown_or_outside_the_folder(client, trainee):
    with client.get(LESSON + "images/loop.png") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
    for bad in [
        "index.md",
        "first-visit.quiz.md",
        "../safety/index.md",
        "images/../index.md",
        "..%2F..%2Fcourses%2Fsample.md",
        ".hidden",
        "images/missing.png",
        "%2e%2e/%2e%2e/competencies.yaml",
    ]:
        assert client.get(LESSON + bad).status_code == 404, bad


def test_relative_image_in_a_lesson_resolves_inside_the_module(client, trainee):
    html = client.get(LESSON).get_data(as_text=True)
    assert '<img src="images/loop.png" alt="A loop of listening">' in html


def test_draft_modules_and_courses_are_hidden_from_trainees(app_factory, tmp_path, make_user):
    from helpers import write_content

    root = write_content(tmp_path, {"courses/t.md": "---\ntitle: T\nmodules: [m]\ndraft: true\n---\n"})
    app = app_factory(CONTENT_DIR=str(root))
    client = app.test_client()
    with app.app_context():
        make_user(email="t@example.org")
        make_user(email="coach@example.org", role="trainer")
    post(client, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"})
    assert client.get("/courses/t/").status_code == 404
    assert "T</a>" not in client.get("/courses/").get_data(as_text=True)
    post(client, "/account/logout", page="/dashboard")
    post(client, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    assert "Draft: trainees cannot see this course" in client.get("/courses/t/").get_data(as_text=True)


def test_signed_in_pages_are_not_cached_and_headers_are_set(client, trainee):
    response = client.get(LESSON)
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_finish_needs_csrf_and_post(client, trainee):
    assert client.post(LESSON + "finish").status_code == 400
    assert client.get(LESSON + "finish").status_code == 404, "no GET route: the module-file route finds no such file"


def test_stylesheet_has_a_fingerprinted_name_cached_for_a_year(client):
    import re

    html = client.get("/courses/").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/assets/css/site\.[0-9a-f]{10}\.css)">', html).group(1)
    with client.get(href) as response:
        assert response.status_code == 200 and response.mimetype == "text/css"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/css/site.0000000000.css").status_code == 404
    assert client.get("/assets/../__init__.py").status_code == 404
    assert html.count("<script") == 0, "pages work without JavaScript"


def test_support_page_lists_988_by_default_and_a_deployments_own_lines(app_factory, tmp_path):
    import shutil

    from helpers import TEST_CONTENT

    default = app_factory().test_client().get("/support").get_data(as_text=True)
    assert "988" in default and "Need support now?" in default
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    (root / "support.md").write_text("---\ntitle: Support in Ontario\n---\nCall or text **9-8-8**, or Good2Talk.\n")
    custom = app_factory(CONTENT_DIR=str(root)).test_client().get("/support").get_data(as_text=True)
    assert "<h1>Support in Ontario</h1>" in custom and "Good2Talk" in custom and "Veterans Crisis Line" not in custom
    assert 'href="/support"' in app_factory().test_client().get("/courses/").get_data(as_text=True), (
        "linked from every page"
    )
