"""Under load, with several gunicorn workers on loopback: no errors, no lost or doubled answers,
no duplicate certificates, on SQLite and on PostgreSQL (whichever DATABASE_URL the suite runs on).

Bounded: 12 trainees, each doing every step twice at the same moment (a double click), about
400 requests in all."""

import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from lms.assessments.models import Attempt, AttemptStep
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.reading.models import LessonProgress

from helpers import PASSWORD, TEST_CONTENT
from load_support import Browser, Server

TRAINEES = 12
BEST = {"space": "To one side", "voice": "Lower your voice", "threat": "Thank you for telling me"}


def small_course(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    course = root / "courses/sample.md"
    course.write_text(
        course.read_text()
        .replace("modules: [listening, safety]", "modules: [safety]")
        .replace("hours: {mentoring: 2, ethics: 1}", "hours: {ethics: 1}")
    )
    return root


def twice(action, *args):
    """Run the same request twice at the same moment, as a double click does."""
    barrier = threading.Barrier(2)

    def go():
        barrier.wait()
        return action(*args)

    with ThreadPoolExecutor(2) as pool:
        return [f.result() for f in [pool.submit(go), pool.submit(go)]]


def trainee_journey(base: str, email: str) -> list[int]:
    browser = Browser(base)
    browser.login(email, PASSWORD)
    lesson = "/courses/sample/safety/"
    twice(browser.get, lesson)
    token = browser.token(lesson)
    twice(browser.request, lesson + "finish", {"csrf_token": token})
    intro = "/courses/sample/safety/roleplay/quick-check/"
    token = browser.token(intro)
    results = twice(browser.request, intro + "start", {"csrf_token": token})
    play = results[0][2]
    for _ in range(3):
        _, html, _ = browser.get(play)
        position = re.search(r'name="position" type="hidden" value="(\d+)"', html).group(1)
        scene = re.search(r'name="scene" type="hidden" value="([^"]+)"', html).group(1)
        labels = dict(re.findall(r'value="(\d+)" required\s*>\s*<label for="choice-\d+">(.*?)</label>', html, re.S))
        choice = next(i for i, text in labels.items() if BEST[scene] in text)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        attempt = play.split("/")[-2]
        twice(
            browser.request,
            f"/attempts/{attempt}/answer",
            {"csrf_token": token, "position": position, "scene": scene, "choice": choice},
        )
    claim_page = "/courses/sample/certificate"
    token = browser.token(claim_page)
    _, html, _ = browser.get(claim_page)
    legal = re.search(r'name="holder_name"[^>]*value="([^"]*)"', html).group(1)
    twice(browser.request, claim_page, {"csrf_token": token, "holder_name": legal})
    _, dashboard, _ = browser.get("/dashboard")
    certificate = re.search(r"/certificates/([0-9A-Z-]{24})/certificate\.pdf", dashboard).group(1)
    for _ in range(3):
        status, body, _ = browser.get(f"/certificates/{certificate}/certificate.pdf")
        assert status == 200 and body.startswith("%PDF")
    return browser.statuses


@pytest.mark.slow
def test_many_trainees_at_once_lose_nothing_and_double_nothing(app, make_user, database_uri, tmp_path):
    content = small_course(tmp_path)
    emails = [f"load{i}@example.org" for i in range(TRAINEES)]
    for email in emails:
        make_user(email=email)
    db.session.commit()
    instance = tmp_path / "instance"
    instance.mkdir()
    with Server(database_uri, content, instance, workers=4) as server:
        with ThreadPoolExecutor(TRAINEES) as pool:
            statuses = [s for result in pool.map(lambda e: trainee_journey(server.url, e), emails) for s in result]
    assert len(statuses) > 300
    assert [s for s in statuses if s >= 500] == [], "no request failed"
    db.session.rollback()
    per_user = db.session.execute(select(Attempt.user_id, func.count()).group_by(Attempt.user_id)).all()
    assert len(per_user) == TRAINEES and all(count == 1 for _, count in per_user), (
        "one attempt each, despite double starts"
    )
    steps = db.session.execute(select(AttemptStep.attempt_id, func.count()).group_by(AttemptStep.attempt_id)).all()
    assert all(count == 3 for _, count in steps), "every answer recorded once: none lost, none doubled"
    assert all(a.state == "passed" and a.score == 6 for a in db.session.scalars(select(Attempt)))
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == TRAINEES
    certificates = db.session.execute(select(Certificate.user_id, func.count()).group_by(Certificate.user_id)).all()
    assert len(certificates) == TRAINEES and all(count == 1 for _, count in certificates), "no duplicate certificates"
