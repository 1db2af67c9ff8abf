"""Format version 2 through the web: live hours gate completion, graders see anchors, guide and route."""

from datetime import date

from sqlalchemy import select
from test_assessments_views import take_listening_to_the_written_scene

from lms.assessments.models import AttemptStep
from lms.cohorts.roster import add_member, create_cohort
from lms.extensions import db

from certificate_helpers import claim, content_variant, pass_everything
from helpers import PASSWORD, join_cohort_of, post


def login(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def record_session(coach, cohort, trainee, minutes):
    page = f"/staff/cohorts/{cohort.id}"
    response = post(
        coach,
        f"{page}/sessions",
        {
            "title": "Ethics case discussion",
            "held_on": "2027-03-08",
            "minutes": str(minutes),
            "domain": "ethics",
            "attendees": [str(trainee.id)],
        },
        page=page,
    )
    assert response.status_code == 302


def test_completion_waits_for_the_live_hours_the_course_requires(app_factory, tmp_path, make_user):
    app = app_factory(CONTENT_DIR=str(content_variant(tmp_path, "live: {ethics: 1}\n")))
    with app.app_context():
        coach_user = make_user(email="coach@example.org", role="trainer")
        trainee = make_user(email="t@example.org")
        cohort = create_cohort("Spring", "sample", date(2027, 3, 1), date(2027, 6, 1), coach_user)
        add_member(cohort, trainee)
        db.session.commit()
        coach, client = login(app, "coach@example.org"), login(app, "t@example.org")
        pass_everything(app, client, trainee.id)

        course = client.get("/courses/sample/").get_data(as_text=True)
        assert "0 of 1 live ethics hours attended" in course and "Get your certificate" not in course
        page = client.get("/courses/sample/certificate").get_data(as_text=True)
        assert "0 of 1 live ethics hours attended" in page
        claim(client)
        assert "/certificates/" not in client.get("/dashboard").get_data(as_text=True), "no certificate yet"

        record_session(coach, cohort, trainee, 30)
        assert "0.5 of 1 live ethics hours attended" in client.get("/courses/sample/").get_data(as_text=True)
        record_session(coach, cohort, trainee, 30)
        course = client.get("/courses/sample/").get_data(as_text=True)
        assert "1 of 1 live ethics hours attended" in course and "Get your certificate" in course
        assert claim(client).status_code == 302
        assert "/certificates/" in client.get("/dashboard").get_data(as_text=True)


def test_graders_see_anchors_guide_and_route_and_trainees_never_do(app, client, trainee, make_user):
    attempt_id, done = take_listening_to_the_written_scene(client)
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = login(app, "coach@example.org")
    grading = coach.get(f"/staff/grading/{attempt_id}").get_data(as_text=True)
    assert "The route the trainee took (3 scenes)" in grading
    assert "feeling pretty alone with this right now" in grading and "Have you tried explaining" in grading
    assert "names being alone (or a close word)" in grading, "the anchors sit beside the score"
    assert "Grader's guide for this scene" in grading and "Common mistakes" in grading
    assert "To pass, the attempt needs 70%" in grading

    for page in [done.location, "/courses/sample/listening/", "/courses/sample/listening/roleplay/first-visit/"]:
        html = client.get(page).get_data(as_text=True)
        assert "names being alone" not in html and "Common mistakes" not in html, page
    assert client.get("/courses/sample/listening/first-visit.guide.md").status_code == 404

    step = db.session.scalar(select(AttemptStep).where(AttemptStep.answer.is_not(None)))
    post(coach, f"/staff/grading/{attempt_id}", {f"c{step.id}_0": "2", f"c{step.id}_1": "1"}, page="/staff/grading/")
    result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "names being alone" not in result and "Common mistakes" not in result
    # Each decision shows what it earned of what was possible there.
    assert "Points here: 2 of 2" in result and "Points here: 0 of 2" in result and "Points here: 3 of 3" in result


def test_trainers_see_declared_minutes_beside_the_median_real_time(app, make_user):
    from datetime import timedelta

    from lms.assessments.models import Attempt
    from lms.clock import utcnow
    from lms.reading.models import LessonProgress

    make_user(email="coach@example.org", role="trainer")
    coach = login(app, "coach@example.org")
    now = utcnow()
    for n, minutes in enumerate([10, 20, 30, 40, 50]):
        person = make_user(email=f"t{n}@example.org")
        db.session.add(
            LessonProgress(
                user_id=person.id,
                module_slug="safety",
                course_slug="sample",
                module_fingerprint="x",
                seconds_spent=minutes * 60,
                finished_at=now,
            )
        )
        attempt = Attempt(
            user_id=person.id,
            course_slug="sample",
            module_slug="safety",
            quiz_slug="quick-check",
            fingerprint=_version(),
            number=1,
            state="passed",
            started_at=now,
        )
        db.session.add(attempt)
        db.session.flush()
        # 5 minutes to the first answer, then a tab left open for a day: only the capped 30 minutes count.
        db.session.add_all(
            [
                AttemptStep(
                    attempt_id=attempt.id,
                    position=0,
                    scene_id="space",
                    choice_index=0,
                    created_at=now + timedelta(minutes=5),
                ),
                AttemptStep(
                    attempt_id=attempt.id,
                    position=1,
                    scene_id="voice",
                    choice_index=0,
                    created_at=now + timedelta(days=1),
                ),
            ]
        )
    db.session.commit()
    page = coach.get("/staff/content/").get_data(as_text=True)
    # Median of 10..50 reading minutes is 30, plus 5 + 30 (capped) minutes of role-play: 65.
    assert "<td>60 min</td><td>5</td>" in page and "65 min" in page, "safety: declared 60 beside a median of 65"
    assert "not enough data yet" in page, "listening has no trainees yet"


def _version():
    from lms.assessments.attempts import ensure_version
    from lms.content import catalog

    quiz = catalog().module("safety").assessment("quick-check")
    ensure_version("safety", quiz)
    return quiz.fingerprint


def test_the_transcript_credits_completed_modules_at_their_minutes_and_totals_match_the_course(app, client, trainee):
    pass_everything(app, client, trainee.id)
    with client.get("/dashboard/transcript.csv") as response:
        text = response.get_data(as_text=True)
    assert ",module,Listening,mentoring,120," in text and ",module,Safety First,ethics,60," in text
    # The totals are the evidence behind the certificate's {mentoring: 2, ethics: 1}.
    assert "total,,,ethics,60," in text and "total,,,mentoring,120," in text


def test_a_role_plays_content_note_is_shown_before_it_starts(client, trainee):
    html = client.get("/courses/sample/listening/roleplay/first-visit/").get_data(as_text=True)
    assert "Content note:</strong> Sam talks about feeling alone." in html
    assert html.index("Content note") < html.index("Start the role-play")
