"""The role-play's rules up front: how many tries, any wait, in words; totals count a trainer's extra attempts."""

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import update
from test_assessments_views import LISTENING, SAFETY, attempt_row, choose, start

from lms.assessments.attempts import wait_words
from lms.assessments.models import Attempt
from lms.clock import utcnow
from lms.extensions import db

from helpers import join_cohort_of, post


def text(client, url) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))))


def fail_safety(client):
    play = start(client)
    for answer in ("Between the peer", "Speak more loudly", '"Calm down'):
        choose(client, play, answer)
    return attempt_row()


def test_wait_words_say_a_wait_as_a_person_would():
    assert [wait_words(m) for m in (0, 1, 10, 59, 60, 61, 24 * 60, 48 * 60, 7 * 24 * 60 + 1)] == [
        "1 minute",
        "1 minute",
        "10 minutes",
        "59 minutes",
        "1 hour",
        "2 hours",
        "24 hours",
        "2 days",
        "8 days",
    ]


def test_the_intro_states_the_tries_and_the_wait_before_the_first_try(client, trainee):
    intro = text(client, SAFETY)
    assert "You have 2 tries." in intro
    assert "If a try doesn't pass, the next one opens 30 minutes later" in intro
    assert "Attempts used: 0 of 2." in intro and "no time limit while you work" in intro
    assert "You have 3 tries." in text(client, LISTENING) and "opens 0" not in text(client, LISTENING)


def test_after_a_failed_try_the_wait_is_relative_and_never_a_utc_clock_time(client, trainee):
    attempt = fail_safety(client)
    intro = text(client, SAFETY)
    assert "Your next attempt opens in about 30 minutes" in intro and "UTC" not in intro
    result = text(client, f"/attempts/{attempt.id}")
    assert "opens in about 30 minutes" in result and "UTC" not in result
    assert "You have 1 try left." in result


def test_attempts_used_never_exceeds_the_total_after_an_extra_attempt(app, make_user, client, trainee):
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    for _ in range(2):
        fail_safety(client)
        db.session.execute(update(Attempt).values(finished_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert "You have used all 2 attempts" in text(client, SAFETY)
    page = f"/staff/trainees/{trainee.id}"
    post(coach, page, {"kind": "extra_attempt", "target": "safety/quick-check", "reason": "Illness"}, page=page)
    intro = text(client, SAFETY)
    assert "Attempts used: 2 of 3 (including 1 extra from your trainer)." in intro and "You have 3 tries." in intro
    fail_safety(client)
    db.session.execute(update(Attempt).values(finished_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    intro = text(client, SAFETY)
    assert "Attempts used: 3 of 3 (including 1 extra from your trainer)." in intro and "3 of 2" not in intro
    assert "You have used all 3 attempts" in intro


def test_a_trainer_practising_sees_no_attempt_count_beside_no_limits(app, make_user):
    make_user(email="coach@example.org", role="trainer")
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    intro = text(coach, SAFETY)
    assert "No limits apply" in intro and "Attempts used" not in intro and "You have 2 tries" not in intro
