"""The busiest requests read with Core statements on a kept connection (read models, not ORM rows) and
write steps with single statements. These tests hold them to the ORM's answers and to a fixed number of queries."""

import re
import shutil

import pytest
from sqlalchemy import event, inspect, select

from lms.assessments.models import Attempt, AttemptStep
from lms.auth.api import signed_in_user
from lms.auth.models import User
from lms.certificates.api import public_certificate
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.reading.models import LessonProgress
from lms.reading.progress import peek_progress

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, TEST_CONTENT, post, write_content


def columns(instance) -> dict:
    return {attr.key: getattr(instance, attr.key) for attr in inspect(type(instance)).column_attrs if not attr.deferred}


def same(read, orm, names) -> None:
    """Equal values of the same types: 1 == True, so a value alone would not catch a lost conversion."""
    for name in names:
        quick, slow = getattr(read, name), getattr(orm, name)
        assert (quick, type(quick)) == (slow, type(slow)), name


def test_hot_reads_return_what_the_orm_returns(app, client, trainee):
    """The read models (signed-in user, public certificate, lesson progress) carry the ORM's values and
    types: dates, booleans and JSON alike, on SQLite (text) and PostgreSQL."""
    pass_everything(app, client, trainee.id)
    assert claim(client, confirm=True).status_code == 302
    cert_id = db.session.scalar(select(Certificate.id))
    with app.test_request_context("/"):
        user = signed_in_user(trainee.id)
        db.session.expire_all()
        orm_user = db.session.get(User, trainee.id)
        same(
            user,
            orm_user,
            [
                n
                for n in columns(orm_user)
                if n not in ("password_hash", "totp_secret", "totp_last_step", "totp_pending")
            ],
        )
        assert user.two_factor is False and user.is_staff is False
        with pytest.raises(AttributeError):
            user.legal_name = "changed"
        cert = public_certificate(cert_id)
        orm_cert = db.session.get(Certificate, cert_id)
        same(cert, orm_cert, columns(orm_cert))
        assert cert.effective_status() == orm_cert.effective_status() and cert.total_hours == orm_cert.total_hours
        with pytest.raises(AttributeError):
            cert.status = "revoked"
        with pytest.raises(AttributeError):
            cert.pdf  # noqa: B018 (never read for the public)
        progress = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == trainee.id)).first()
        same(
            peek_progress(trainee.id, progress.module_slug),
            progress,
            ("course_slug", "module_fingerprint", "last_opened_at", "finished_at", "seconds_spent", "section"),
        )
        assert signed_in_user(10**9) is None and public_certificate("X" * 20) is None


def test_the_signed_in_user_is_read_only_and_a_logout_is_saved(app, client, trainee):
    """current_user is a read model; a view that changes the account loads it through the ORM."""
    assert client.get("/dashboard").status_code == 200
    token = trainee.session_token
    assert post(client, "/account/logout", page="/dashboard").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, trainee.id).session_token not in (token, None)
    assert client.get("/dashboard").status_code == 302, "the old session no longer works"


@pytest.mark.parametrize(
    "path", ["/attempts/99999999999999999999999999/play", "/attempts/99999999999999999999999999/answer"]
)
def test_huge_ids_are_404s_not_errors(client, trainee, path):
    response = client.get(path) if path.endswith("play") else post(client, path, {}, page="/dashboard")
    assert response.status_code == 404


def long_role_play(tmp_path, scenes: int = 60):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    body = "\n".join(
        f"## s{i}\nScene {i}.\n\n- Go on.\n  +1 reflective-listening\n- Stop here. -> end\n" for i in range(scenes)
    )
    write_content(
        root,
        {
            "modules/long/index.md": "---\ntitle: Long\n---\nA long role-play.\n",
            "modules/long/steps.quiz.md": f"---\ntitle: Steps\nmax_attempts: 0\n---\n{body}",
            "courses/long.md": "---\ntitle: Long course\nmodules: [long]\n---\nLong.\n",
        },
    )
    return root


def test_a_role_play_step_costs_the_same_at_step_2_and_step_50(app_factory, tmp_path, make_user):
    """Steps are counted in the database and written with single statements: no step loads the
    steps before it, so a long role-play does not slow down as it goes."""
    app = app_factory(CONTENT_DIR=str(long_role_play(tmp_path)))
    client = app.test_client()
    with app.app_context():
        make_user(email="long@example.org")
    post(client, "/account/login", {"email": "long@example.org", "password": PASSWORD})
    intro = "/courses/long/long/roleplay/steps/"
    play = post(client, intro + "start", page=intro).location
    attempt_id = play.split("/")[2]
    html = client.get(play).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    counts = {}
    with app.app_context():
        engine = db.engine
    for position in range(52):
        seen = []

        def before(*args, **kwargs):
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", before)
        try:
            response = client.post(
                f"/attempts/{attempt_id}/answer",
                data={"csrf_token": token, "position": str(position), "scene": f"s{position}", "choice": "0"},
            )
        finally:
            event.remove(engine, "before_cursor_execute", before)
        assert response.status_code == 302 and response.location.endswith("/play")
        counts[position] = len(seen)
        loads_steps = [
            sql
            for sql in seen
            if sql.lstrip().startswith("SELECT") and "FROM attempt_step" in sql and "count(" not in sql
        ]
        assert not loads_steps, loads_steps
    assert counts[2] == counts[50], counts
    assert counts[50] <= 6, counts
    with app.app_context():
        steps = db.session.scalars(
            select(AttemptStep.position).where(AttemptStep.attempt_id == int(attempt_id)).order_by(AttemptStep.position)
        ).all()
        assert steps == list(range(52))
        first = db.session.scalar(
            select(AttemptStep).where(AttemptStep.attempt_id == int(attempt_id), AttemptStep.position == 0)
        )
        assert first.choice_index == 0 and first.answer is None and first.created_at.year >= 2026
        assert db.session.get(Attempt, int(attempt_id)).current_scene == "s52"


def test_a_session_cookie_verified_once_is_still_refused_when_tampered_or_too_old(app_factory, make_user, monkeypatch):
    """The session cookie's verification is remembered per cookie string; a changed string is checked
    from scratch, and the age limit applies on every request."""
    import time
    from datetime import timedelta

    app = app_factory(PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    make_user(email="cookie@example.org")
    client = app.test_client()
    post(client, "/account/login", {"email": "cookie@example.org", "password": PASSWORD})
    cookie = client.get_cookie("session").value
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200  # the remembered verification
    tampered = app.test_client()
    tampered.set_cookie("session", cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    assert tampered.get("/dashboard").status_code == 302
    later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/dashboard").status_code == 302, "an expired cookie is refused even when remembered"


def test_remembered_csrf_tokens_are_only_good_for_their_own_session(app_factory, make_user):
    """A page's token is remembered per session's raw token; a POST is accepted without a fresh
    signature check only with exactly that token in that session. Another session's token, an
    altered token or none at all is refused as before."""
    app = app_factory()
    make_user(email="a@example.org")
    make_user(email="b@example.org")
    alice, bob = app.test_client(), app.test_client()
    for client, email in ((alice, "a@example.org"), (bob, "b@example.org")):
        post(client, "/account/login", {"email": email, "password": PASSWORD})

    def token(client):
        html = client.get("/dashboard").get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    alice_token, _ = token(alice), token(bob)
    assert alice_token == token(alice), "the session's next page reuses the remembered token"
    lesson = "/courses/sample/safety/"
    alice.get(lesson)
    assert bob.post(lesson + "finish", data={"csrf_token": alice_token}).status_code == 400
    assert alice.post(lesson + "finish", data={"csrf_token": alice_token[:-2] + "xx"}).status_code == 400
    assert alice.post(lesson + "finish", data={}).status_code == 400
    assert alice.post(lesson + "finish", data={"csrf_token": alice_token}).status_code == 302


def test_csrf_tokens_still_expire_when_a_time_limit_is_set(app_factory, make_user, monkeypatch):
    import time

    app = app_factory(WTF_CSRF_TIME_LIMIT=60)
    make_user(email="a@example.org")
    client = app.test_client()
    post(client, "/account/login", {"email": "a@example.org", "password": PASSWORD})
    html = client.get("/dashboard").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post("/courses/sample/safety/finish", data={"csrf_token": token}).status_code == 400


def test_a_kept_read_connection_that_dies_is_replaced(app, make_user):
    """Each thread keeps its read connection; if the database closes it (a restart, an idle timeout),
    the next read opens another instead of failing the request."""
    user = make_user(email="kept@example.org")
    kept = app.extensions["lms.reads"]
    with app.test_request_context("/"):
        assert signed_in_user(user.id).email == "kept@example.org"
        connection = kept.get()
        raw = connection.connection.dbapi_connection
        # AUTOCOMMIT, and no BEGIN from lms.database's listener: no snapshot is held between requests
        idle = not raw.in_transaction if db.engine.dialect.name == "sqlite" else raw.info.transaction_status == 0
        assert idle, "the kept read connection holds a transaction open"
        connection.connection.dbapi_connection.close()  # the driver's connection, as a restart would
        assert signed_in_user(user.id).email == "kept@example.org"
        assert kept.get() is not connection
    db.session.remove()
    db.engine.dispose()
    assert kept.opened == {}, "disposing of the engine closes the kept connections"


def test_a_thread_that_ends_takes_its_kept_read_connection_with_it(app, make_user):
    """A server that starts a thread per request (the threaded development server, say) must not keep a
    database connection for every finished request: PostgreSQL refuses clients past max_connections."""
    import gc
    import threading

    user = make_user(email="threads@example.org")
    kept = app.extensions["lms.reads"]
    before = len(kept.opened)

    def one_request():
        with app.test_request_context("/"):
            assert signed_in_user(user.id).email == "threads@example.org"

    for _ in range(20):
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join()
    gc.collect()
    assert len(kept.opened) <= before + 1, len(kept.opened)


def test_many_trainees_records_are_read_in_a_fixed_number_of_queries_and_match_one_by_one(app, client, make_user):
    """completion.api.learners (a publication's impact on every trainee) reads the same record as learner()
    for each trainee, in five queries whatever their number."""
    from datetime import date

    from lms.cohorts.api import record_session
    from lms.cohorts.roster import add_member, create_cohort
    from lms.completion.api import learner, learners

    done = make_user(email="done@example.org")
    coach = make_user(email="coach@example.org", role="trainer")
    others = [make_user(email=f"t{i}@example.org") for i in range(4)]
    cohort = create_cohort("C", "sample", date(2026, 11, 1), date(2026, 12, 1), coach)
    for person in (done, *others):
        add_member(cohort, person)
    members = {done.id, *(o.id for o in others)}
    record_session(cohort, "Live", date(2026, 11, 2), 90, "ethics", [done.id, others[0].id], members, coach.id)
    db.session.commit()
    post(client, "/account/login", {"email": "done@example.org", "password": PASSWORD})
    pass_everything(app, client, done.id)
    ids = [done.id, *(o.id for o in others)]

    def counted(user_ids):
        seen = []

        def before(*args, **kwargs):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            return learners(user_ids), len(seen)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    (few, one), (many, five) = counted(ids[:1]), counted(ids)
    counts = (one, five)
    assert counts == (5, 5), counts
    assert many[done.id].lessons and many[done.id].passed and many[done.id].attended
    for user_id in ids:
        assert many[user_id] == learner(user_id)
    assert few[done.id] == many[done.id]
