"""Waiting for a trainer is visible: course page, dashboard, module page and role-play page say so, never 'Try again'."""

import re
from html import unescape

from sqlalchemy import select
from test_assessments_views import LISTENING, take_listening_to_the_written_scene

from lms.extensions import db
from lms.mail import OutboxMail

from helpers import PASSWORD, join_cohort_of, post, read_to_the_end

WAITING = "Waiting for your trainer's grading"


def text(client, url) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))))


def read_listening(client):
    read_to_the_end(client, "/courses/sample/listening/")


def grade_it(app, make_user, trainee, attempt_id, points=("2", "1")):
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": PASSWORD})
    step_id = db.session.scalar(select(db.text("id FROM attempt_step WHERE answer IS NOT NULL")))
    return post(
        coach,
        f"/staff/grading/{attempt_id}",
        {f"c{step_id}_0": points[0], f"c{step_id}_1": points[1], "comment": "Warm."},
        page="/staff/grading/",
    )


def test_a_submitted_written_answer_shows_waiting_everywhere_and_no_try_again(client, trainee):
    read_listening(client)
    _, done = take_listening_to_the_written_scene(client)
    result = text(client, done.location)
    assert WAITING in result and "You don't need to try again while your trainer grades" in result
    course = text(client, "/courses/sample/")
    modules = course[course.index(" Modules ") :]  # the list, under the Continue button at the top
    listening = modules[modules.index("Listening") : modules.index("Safety")]
    assert WAITING in listening and "Role-play to pass" not in listening
    assert "You don't need to try again" in course
    html = client.get("/courses/sample/").get_data(as_text=True)
    assert "Continue: Listening" not in html and "Start: Listening" not in html, "the button points at what they can do"
    dashboard = text(client, "/dashboard")
    assert f"{WAITING}: " in dashboard and "You don't need to try again" in dashboard
    assert WAITING in text(client, "/courses/sample/listening/")
    intro = client.get(LISTENING).get_data(as_text=True)
    assert "Try again" not in intro and "Start the role-play" not in intro
    assert "You don&#39;t need to try again" in intro or "You don't need to try again" in intro


def test_when_graded_the_dashboard_says_so_and_no_mail_is_queued_without_a_mail_server(app, client, trainee, make_user):
    read_listening(client)
    attempt_id, _ = take_listening_to_the_written_scene(client)
    assert grade_it(app, make_user, trainee, attempt_id).status_code == 302
    dashboard = text(client, "/dashboard")
    assert "Your trainer has graded your written answer" in dashboard and "you passed" in dashboard
    assert WAITING not in dashboard
    assert db.session.scalar(select(OutboxMail)) is None


def test_when_graded_the_trainee_is_mailed_when_mail_is_configured(app_factory):
    from lms.auth.operations import create_user

    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_DELIVERY="command")
    with app.app_context():
        trainee = create_user("trainee@example.org", PASSWORD, "Robin", "Robin L", privacy_accepted=True)
        db.session.commit()
        client = app.test_client()
        post(client, "/account/login", {"email": "trainee@example.org", "password": PASSWORD})
        attempt_id, _ = take_listening_to_the_written_scene(client)

        def make_user(email, role):
            create_user(email, PASSWORD, "Coach", "Coach L", role=role, privacy_accepted=True)
            db.session.commit()

        grade_it(app, make_user, trainee, attempt_id)
        mail = db.session.scalar(select(OutboxMail))
        assert mail.recipient == "trainee@example.org" and "has graded your written answer" in mail.body
        assert f"https://lms.example.org/attempts/{attempt_id}" in mail.body
        assert "Warm." not in mail.body, "the comment stays behind sign-in"
