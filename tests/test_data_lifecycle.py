"""F14: purged and deleted answers leave the SQLite file and its WAL; every written answer is purged after
the retention period whatever its attempt's state, graders' comments too; database files are owner-only."""

import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_assessments_views import LISTENING, choose, page_state, start

from lms import create_app
from lms.assessments.models import Attempt, AttemptStep
from lms.clock import utcnow
from lms.extensions import db

from helpers import PASSWORD, base_config, post

sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="looks into the SQLite file itself"
)


def signed_in(app, email: str):
    client = app.test_client()
    assert post(client, "/account/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def write_answer(client, text: str) -> int:
    play = start(client, LISTENING)
    choose(client, play, '"It sounds like')
    choose(client, play, '"Have you tried')
    _, position, scene, _ = page_state(client, play)
    attempt_id = play.split("/")[2]
    done = post(
        client, f"/attempts/{attempt_id}/answer", {"position": position, "scene": scene, "answer": text}, page=play
    )
    assert done.status_code == 302
    return int(attempt_id)


def database_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@sqlite_only
def test_purge_removes_every_old_answer_and_comment_from_the_database_file_and_wal(app, runner, make_user):
    long_ago = utcnow() - timedelta(days=731)
    attempts = {}
    for name in ("pending", "abandoned", "graded", "recent"):
        make_user(email=f"{name}@example.org")
        attempts[name] = write_answer(signed_in(app, f"{name}@example.org"), f"{name.upper()}-PRIVATE history of mine")
    for name in ("pending", "abandoned", "graded"):
        for step in db.session.scalars(select(AttemptStep).where(AttemptStep.attempt_id == attempts[name])):
            step.created_at = long_ago
    db.session.get(Attempt, attempts["abandoned"]).state = "open"
    graded = db.session.get(Attempt, attempts["graded"])
    graded.state, graded.score, graded.graded_at = "passed", 5, long_ago + timedelta(days=1)
    graded.grader_comment = "You wrote GRADED-COMMENT-QUOTE about your history"
    db.session.commit()

    result = runner.invoke(args=["data", "purge-answers"])
    assert result.exit_code == 0 and "Deleted 3 written answer(s) and 1 grader comment(s)" in result.output, (
        result.output
    )
    data = database_bytes(app)
    for secret in (b"PENDING-PRIVATE", b"ABANDONED-PRIVATE", b"GRADED-PRIVATE", b"GRADED-COMMENT-QUOTE"):
        assert secret not in data, secret
    assert b"RECENT-PRIVATE" in data, "answers inside the retention period stay"
    db.session.expire_all()
    assert db.session.get(Attempt, attempts["graded"]).score == 5
    assert "Deleted 0 written answer(s) and 0 grader comment(s)" in runner.invoke(args=["data", "purge-answers"]).output


@sqlite_only
def test_a_closed_accounts_answers_and_email_leave_the_database_file_and_wal(app, make_user):
    make_user(email="dave.private@example.org")
    dave = signed_in(app, "dave.private@example.org")
    write_answer(dave, "DAVE-PRIVATE story about my past")
    assert b"DAVE-PRIVATE" in database_bytes(app)
    closed = post(dave, "/privacy/close-account", {"password": PASSWORD}, page="/account/password")
    assert closed.status_code == 302 and closed.location == "/"
    data = database_bytes(app)
    assert b"DAVE-PRIVATE" not in data and b"dave.private@example.org" not in data


@sqlite_only
def test_the_instance_folder_database_wal_and_key_files_are_owner_only(tmp_path, template_database):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "lms.sqlite3"
    database.write_bytes(Path(template_database).read_bytes())
    (instance / "secret_key").write_text("k" * 64)
    for path in (database, instance / "secret_key"):
        path.chmod(0o644)  # as an earlier version left them
    fresh = tmp_path / "fresh"
    apps = []
    for folder, name in ((instance, "lms.sqlite3"), (fresh, "new.sqlite3")):
        config = base_config(f"sqlite:///{folder / name}", AUTO_MIGRATE=True)
        del config["SECRET_KEY"]
        previous = os.environ.get("LMS_INSTANCE_PATH")
        os.environ["LMS_INSTANCE_PATH"] = str(folder)
        try:
            app = create_app(config)
        finally:
            os.environ.pop("LMS_INSTANCE_PATH") if previous is None else os.environ.__setitem__(
                "LMS_INSTANCE_PATH", previous
            )
        apps.append(app)
        with app.app_context():
            from lms.auth.operations import create_user

            create_user(f"someone@{name}.example.org", PASSWORD, "S", "S")
            db.session.commit()
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            files = [p for p in folder.iterdir() if p.name.startswith(name) or p.name == "secret_key"]
            assert {p.name for p in files} >= {name, f"{name}-wal", f"{name}-shm", "secret_key"}
            assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: "0o600" for p in files}
            db.session.remove()
            db.engine.dispose()
