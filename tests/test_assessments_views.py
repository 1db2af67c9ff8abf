"""Taking role-plays in the browser flow: server-held state, idempotent steps, limits, grading, versions."""

import re
import shutil
from datetime import timedelta

from sqlalchemy import select

from lms.assessments.models import Attempt, AttemptStep
from lms.extensions import db

from helpers import TEST_CONTENT, join_cohort_of, post, read_to_the_end

SAFETY = "/courses/sample/safety/roleplay/quick-check/"
LISTENING = "/courses/sample/listening/roleplay/first-visit/"


def start(client, intro=SAFETY):
    response = post(client, intro + "start", page=intro)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def page_state(client, play_url):
    html = client.get(play_url).get_data(as_text=True)
    position = re.search(r'name="position" type="hidden" value="(\d+)"', html).group(1)
    scene = re.search(r'name="scene" type="hidden" value="([^"]+)"', html).group(1)
    labels = dict(re.findall(r'value="(\d+)" required\s*>\s*<label for="choice-\d+">(.*?)</label>', html, re.S))
    return html, position, scene, labels


def choose(client, play_url, text_start):
    html, position, scene, labels = page_state(client, play_url)
    index = next(i for i, label in labels.items() if label.strip().startswith(text_start))
    attempt_id = play_url.split("/")[2]
    return post(
        client, f"/attempts/{attempt_id}/answer", {"position": position, "scene": scene, "choice": index}, page=play_url
    )


def attempt_row():
    db.session.expire_all()
    return db.session.scalar(select(Attempt).order_by(Attempt.id.desc()))


def finish_safety_lesson(client):
    client.get("/courses/sample/safety/")
    post(client, "/courses/sample/safety/finish", page="/courses/sample/safety/")


def test_full_path_to_a_pass_completes_the_module(client, trainee):
    finish_safety_lesson(client)
    play = start(client)
    assert play.startswith("/attempts/") and play.endswith("/play")
    choose(client, play, "To one side")
    choose(client, play, "Lower your voice")
    done = choose(client, play, "“Thank you" if False else '"Thank you')
    assert done.location.startswith("/attempts/") and not done.location.endswith("/play")
    attempt = attempt_row()
    assert (attempt.state, attempt.score, attempt.possible) == ("passed", 6, 6)
    result = client.get(done.location).get_data(as_text=True)
    assert "You passed" in result and "Score: 6 of 6 points (100%)" in result
    assert "Safety" in result and "A clear exit helps everyone feel safer." in result
    assert "1 of 2 modules complete" in client.get("/courses/sample/").get_data(as_text=True)


def test_scene_page_never_shows_scores_feedback_or_arrows_of_choices(client, trainee):
    play = start(client)
    html, *_ = page_state(client, play)
    for secret in ["+2 safety", "-1 safety", "Blocking an exit", "A clear exit", "critical", "-&gt; ", "-> "]:
        assert secret not in html, secret
    choose(client, play, "Between the peer")
    html, *_ = page_state(client, play)
    assert "Blocking an exit can make a person feel trapped." in html, "immediate feedback for the choice made"
    assert "One calm voice" not in html and "Matching volume" not in html


def test_double_submit_and_back_button_never_record_twice(client, trainee):
    play = start(client)
    html, position, scene, labels = page_state(client, play)
    attempt_id = play.split("/")[2]
    form = {"position": position, "scene": scene, "choice": next(iter(labels))}
    first = post(client, f"/attempts/{attempt_id}/answer", form, page=play)
    again = post(client, f"/attempts/{attempt_id}/answer", form, page=play)  # double click / refresh / back + resubmit
    assert first.status_code == again.status_code == 302
    assert again.location == play
    assert len(attempt_row().steps) == 1
    stale = post(
        client, f"/attempts/{attempt_id}/answer", {**form, "position": "0", "scene": "space", "choice": "1"}, page=play
    )
    assert stale.location == play and len(attempt_row().steps) == 1


def test_missing_choice_rerenders_with_a_message(client, trainee):
    play = start(client)
    _, position, scene, _ = page_state(client, play)
    response = post(client, f"/attempts/{play.split('/')[2]}/answer", {"position": position, "scene": scene}, page=play)
    assert response.status_code == 422 and "Please choose one of the responses." in response.get_data(as_text=True)
    assert attempt_row().steps == []


def test_leaving_and_coming_back_resumes_the_same_attempt(client, trainee):
    play = start(client)
    choose(client, play, "To one side")
    intro = client.get(SAFETY).get_data(as_text=True)
    assert "Resume where you left off" in intro
    assert start(client) == play
    _, position, scene, _ = page_state(client, play)
    assert (position, scene) == ("1", "voice")
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1


def test_shuffled_order_is_fixed_for_the_attempt(client, trainee):
    play = start(client, LISTENING)
    orders = {tuple(page_state(client, play)[3]) for _ in range(3)}
    assert len(orders) == 1


def test_failed_attempt_waits_then_limits_are_enforced(client, trainee):
    play = start(client)
    choose(client, play, "Between the peer")
    choose(client, play, "Speak more loudly")
    choose(client, play, '"Calm down')
    attempt = attempt_row()
    assert attempt.state == "failed" and attempt.critical
    result = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "could have put the person you were supporting at risk" in result
    assert "Unsafe response." in result
    intro = client.get(SAFETY).get_data(as_text=True)
    assert "Take some time to reflect" in intro and "next attempt opens" in intro and "in about 30 minutes" in intro
    assert "UTC" not in intro, "a relative time, not a clock time in a zone the trainee is not in"
    assert post(client, SAFETY + "start", page=SAFETY).location.endswith(SAFETY)
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1
    attempt.finished_at -= timedelta(minutes=31)
    db.session.commit()
    second = start(client)
    assert second != f"/attempts/{attempt.id}/play"
    choose(client, second, "Between the peer")
    choose(client, second, "Speak more loudly")
    choose(client, second, '"Calm down')
    attempt_row().finished_at -= timedelta(minutes=31)
    db.session.commit()
    intro = client.get(SAFETY).get_data(as_text=True)
    assert "You have used all 2 attempts" in intro
    assert post(client, SAFETY + "start", page=SAFETY).location.endswith(SAFETY)
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 2


def test_another_trainee_gets_404_for_every_attempt_url(app, client, trainee, make_user):
    play = start(client)
    attempt_id = play.split("/")[2]
    make_user(email="other@example.org")
    other = app.test_client()
    post(other, "/account/login", {"email": "other@example.org", "password": "a long enough passphrase"})
    assert other.get(play).status_code == 404
    assert other.get(f"/attempts/{attempt_id}").status_code == 404
    response = post(
        other, f"/attempts/{attempt_id}/answer", {"position": "0", "scene": "space", "choice": "1"}, page="/dashboard"
    )
    assert response.status_code == 404
    assert attempt_row().steps == []


def take_listening_to_the_written_scene(client):
    play = start(client, LISTENING)
    choose(client, play, '"It sounds like')
    choose(client, play, '"Have you tried')
    _, position, scene, _ = page_state(client, play)
    assert scene == "reflect"
    attempt_id = play.split("/")[2]
    empty = post(
        client, f"/attempts/{attempt_id}/answer", {"position": position, "scene": scene, "answer": "  "}, page=play
    )
    assert empty.status_code == 422 and "Please write your answer" in empty.get_data(as_text=True)
    done = post(
        client,
        f"/attempts/{attempt_id}/answer",
        {"position": position, "scene": scene, "answer": "That sounds really lonely. Tell me more?"},
        page=play,
    )
    return attempt_id, done


def test_written_answer_goes_through_the_grading_queue(app, client, trainee, make_user):
    attempt_id, done = take_listening_to_the_written_scene(client)
    assert attempt_row().state == "pending"
    assert "Waiting for your trainer's grading" in client.get(done.location).get_data(as_text=True)
    assert client.get("/staff/grading/").status_code == 403, "trainees cannot see the queue"
    assert client.get(f"/staff/grading/{attempt_id}").status_code == 403

    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    queue = coach.get("/staff/grading/").get_data(as_text=True)
    assert f"/staff/grading/{attempt_id}" in queue and "Test Person" in queue
    form = coach.get(f"/staff/grading/{attempt_id}").get_data(as_text=True)
    assert "That sounds really lonely" in form
    step = db.session.scalar(select(AttemptStep).where(AttemptStep.answer.is_not(None)))
    bad = post(
        coach, f"/staff/grading/{attempt_id}", {f"c{step.id}_0": "5", f"c{step.id}_1": "1"}, page="/staff/grading/"
    )
    assert bad.status_code == 422 and "from 0 to 2" in bad.get_data(as_text=True)
    graded = post(
        coach,
        f"/staff/grading/{attempt_id}",
        {f"c{step.id}_0": "2", f"c{step.id}_1": "1", "comment": "Lovely reflection."},
        page="/staff/grading/",
    )
    assert graded.status_code == 302
    attempt = attempt_row()
    assert (attempt.state, attempt.score, attempt.possible) == ("passed", 5, 7)  # the spec's worked example
    again = post(
        coach, f"/staff/grading/{attempt_id}", {f"c{step.id}_0": "0", f"c{step.id}_1": "0"}, page="/staff/grading/"
    )
    assert again.status_code == 302 and attempt_row().score == 5, "grading twice changes nothing"
    result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "You passed" in result and "Lovely reflection." in result and "Score: 5 of 7 points (71%)" in result
    assert f"/staff/grading/{attempt_id}" not in coach.get("/staff/grading/").get_data(as_text=True)


def test_trainers_can_read_a_trainees_result(app, client, trainee, make_user):
    attempt_id, _ = take_listening_to_the_written_scene(client)
    make_user(email="coach@example.org", role="trainer")
    join_cohort_of("coach@example.org", trainee.id)
    coach = app.test_client()
    post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
    page = coach.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200 and "That sounds really lonely" in page.get_data(as_text=True)


def test_editing_a_quiz_never_changes_an_open_or_finished_attempt(app_factory, tmp_path, make_user):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    app = app_factory(CONTENT_DIR=str(content))
    client = app.test_client()
    with app.app_context():
        make_user(email="t@example.org")
    post(client, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"})
    finished = start(client)
    choose(client, finished, "To one side")
    choose(client, finished, "Lower your voice")
    choose(client, finished, '"Thank you')
    open_attempt = start(client, LISTENING)
    choose(client, open_attempt, '"It sounds like')
    # A trainer rewrites both role-plays; the app reloads the content.
    quiz = content / "modules/safety/quick-check.quiz.md"
    quiz.write_text(quiz.read_text().replace("+2 safety", "+5 safety").replace("## voice", "## tone"))
    listening = content / "modules/listening/first-visit.quiz.md"
    listening.write_text(listening.read_text().replace("## feelings\n", "## feelings: Renamed\n"))
    edited = app_factory(CONTENT_DIR=str(content)).test_client()
    post(edited, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"})
    with app.app_context():
        old = db.session.scalar(select(Attempt).where(Attempt.quiz_slug == "quick-check"))
    result = edited.get(f"/attempts/{old.id}").get_data(as_text=True)
    assert "Score: 6 of 6 points (100%)" in result, "the finished attempt keeps its version's score"
    html, position, scene, labels = page_state(edited, open_attempt)
    assert scene == "feelings" and "Renamed" not in html, "the open attempt resumes on its own version"


def test_end_feedback_is_shown_only_on_the_results_page(app_factory, tmp_path, make_user):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    quiz = content / "modules/safety/quick-check.quiz.md"
    quiz.write_text(quiz.read_text().replace("pass_mark: 50", "pass_mark: 50\nfeedback: end"))
    app = app_factory(CONTENT_DIR=str(content))
    client = app.test_client()
    with app.app_context():
        make_user(email="t@example.org")
    post(client, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"})
    play = start(client)
    choose(client, play, "To one side")
    html, *_ = page_state(client, play)
    assert "A clear exit" not in html
    choose(client, play, "Lower your voice")
    done = choose(client, play, '"Thank you')
    assert "A clear exit helps everyone feel safer." in client.get(done.location).get_data(as_text=True)


def test_every_bundled_role_play_can_be_taken_to_a_full_score_and_completes_its_module(app_factory, make_user):
    from lms.content import catalog
    from lms.content.quiz_graph import best_totals

    from helpers import BUNDLED_CONTENT

    app = app_factory(CONTENT_DIR=str(BUNDLED_CONTENT))
    client, coach = app.test_client(), app.test_client()
    with app.app_context():
        trainee_id = make_user(email="t@example.org").id
        make_user(email="coach@example.org", role="trainer")
        join_cohort_of("coach@example.org", trainee_id)
        modules = list(catalog().course("peer-specialist-core").modules)
        quizzes = [(m, q) for m in modules for q in catalog().module(m).assessments]
    # The attempt rows are read through this app's context (the default `app` fixture is not built).
    with app.app_context():
        post(client, "/account/login", {"email": "t@example.org", "password": "a long enough passphrase"})
        post(coach, "/account/login", {"email": "coach@example.org", "password": "a long enough passphrase"})
        for module, quiz in quizzes:
            lesson = f"/courses/peer-specialist-core/{module}/"
            read_to_the_end(client, lesson)
            play = start(client, f"{lesson}roleplay/{quiz.slug}/")
            best = best_totals(list(quiz.scenes))
            attempt_id = play.split("/")[2]
            while True:
                response = client.get(play)
                if response.status_code == 302:
                    break
                _, position, scene_id, _ = page_state(client, play)
                scene = quiz.scene(scene_id)
                data = {"position": position, "scene": scene_id}
                if scene.kind == "written":
                    data["answer"] = "What I would say, word for word."
                else:  # the best answer at this turn (rule 7): the most points of any safe choice
                    candidates = [
                        c
                        for c in scene.choices
                        if not c.critical and (c.target == "end" or best.get(c.target) is not None)
                    ]
                    data["choice"] = max(candidates, key=lambda c: c.points).index
                post(client, f"/attempts/{attempt_id}/answer", data, page=play)
            attempt = attempt_row()
            if attempt.state == "pending":
                steps = [s for s in attempt.steps if s.answer]
                form = {f"c{s.id}_{c.index}": str(c.points) for s in steps for c in quiz.scene(s.scene_id).rubric}
                post(coach, f"/staff/grading/{attempt_id}", form, page="/staff/grading/")
                attempt = attempt_row()
            assert attempt.state == "passed" and attempt.score == attempt.possible, module
            result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
            assert f"Score: {attempt.score} of {attempt.possible} points (100%)" in result
    course = client.get("/courses/peer-specialist-core/").get_data(as_text=True)
    assert f"{len(modules)} of {len(modules)} modules complete" in course


def reach_the_written_scene(client):
    play = start(client, LISTENING)
    choose(client, play, '"It sounds like')
    choose(client, play, '"Have you tried')
    _, position, scene, _ = page_state(client, play)
    assert scene == "reflect"
    return play, play.split("/")[2], position, scene


def test_the_written_step_shows_the_conversation_so_far(client, trainee):
    play, *_ = reach_the_written_scene(client)
    html = client.get(play).get_data(as_text=True)
    conversation = html.split("<summary>The conversation so far</summary>")[1].split("</details>")[0]
    steps = db.session.scalars(select(AttemptStep).order_by(AttemptStep.position)).all()
    assert [s.choice_index is not None for s in steps] == [True, True]
    assert conversation.count('class="path-step"') == 2
    said = re.findall(r"<strong>You said:</strong>\s*(.*?)</p>", conversation, re.S)
    assert [re.sub(r"&#3[49];|&quot;", "", s).strip('"') for s in said] == [
        "It sounds like you're feeling pretty alone with this right now.",
        "Have you tried explaining depression to them?",
    ], said


def test_a_draft_is_kept_for_its_trainee_alone_and_never_counted(app, client, trainee, make_user):
    play, attempt_id, position, scene = reach_the_written_scene(client)
    url = f"/attempts/{attempt_id}/answer"
    saved = post(
        client,
        url,
        {"position": position, "scene": scene, "answer": "Half a thought about loneliness", "save_draft": "1"},
        page=play,
    )
    assert saved.status_code == 302 and saved.location.endswith(f"/attempts/{attempt_id}/play")
    assert attempt_row().draft == "Half a thought about loneliness"
    assert attempt_row().state == "open" and len(attempt_row().steps) == 2, "a draft is not an answer"
    back = client.get(play).get_data(as_text=True)
    assert ">Half a thought about loneliness</textarea>" in back and "Draft saved" in back

    too_long = post(
        client, url, {"position": position, "scene": scene, "answer": "x" * 10_001, "save_draft": "1"}, page=play
    )
    assert too_long.status_code == 422 and "Please keep your answer under 10,000 characters" in too_long.get_data(
        as_text=True
    )
    assert attempt_row().draft == "Half a thought about loneliness"

    make_user(email="other@example.org")
    other = app.test_client()
    post(other, "/account/login", {"email": "other@example.org", "password": "a long enough passphrase"})
    assert other.get(play).status_code == 404
    stolen = post(
        other,
        url,
        {"position": position, "scene": scene, "answer": "overwritten", "save_draft": "1"},
        page="/dashboard",
    )
    assert stolen.status_code == 404 and attempt_row().draft == "Half a thought about loneliness"

    form = {"position": position, "scene": scene, "answer": "That sounds really lonely. Tell me more?"}
    first = post(client, url, form, page=play)
    second = post(client, url, form, page=play)
    assert first.status_code == second.status_code == 302
    attempt = attempt_row()
    assert attempt.state == "pending" and attempt.draft is None, "submitting clears the draft"
    written = [s.answer for s in attempt.steps if s.answer]
    assert written == ["That sounds really lonely. Tell me more?"], "a double submit records one answer"
    late = post(client, url, {**form, "save_draft": "1"}, page=play)
    assert late.status_code == 302 and attempt_row().draft is None, "no draft on an ended attempt"
