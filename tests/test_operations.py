"""Operations: health, backup and restore, a person's data, account deletion, migrations with data."""

import json

from sqlalchemy import func, select, text

from lms.assessments.models import Attempt, AttemptStep
from lms.auth.models import User
from lms.certificates.keys import ensure_key
from lms.certificates.models import Certificate
from lms.extensions import db

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, post


def test_healthz_reports_database_and_content(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok" and body["database"] and body["content"]
    assert len(body["content_version"]) == 12


def test_backup_and_restore_round_trip(app, runner, make_user, tmp_path):
    make_user(email="kept@example.org")
    ensure_key()  # restore refuses a backup without one; the PostgreSQL fixture empties every table
    backup = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["data", "backup", str(backup)])
    assert result.exit_code == 0 and "Backed up the database" in result.output
    make_user(email="after-backup@example.org")
    db.session.execute(text("DELETE FROM \"user\" WHERE email = 'kept@example.org'"))
    db.session.commit()
    assert runner.invoke(args=["data", "restore", str(backup)]).exit_code == 1, "needs --yes"
    result = runner.invoke(args=["data", "restore", str(backup), "--yes", "--keep-current-in", str(tmp_path)])
    assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(select(User.email)))
    assert "kept@example.org" in emails and "after-backup@example.org" not in emails


def test_a_trainee_downloads_everything_held_about_them(app, client, trainee):
    from test_assessments_views import take_listening_to_the_written_scene

    take_listening_to_the_written_scene(client)
    with client.get("/privacy/my-data.json") as response:
        data = json.loads(response.get_data(as_text=True))
        assert response.headers["Content-Disposition"].startswith("attachment")
    assert data["account"]["email"] == "trainee@example.org"
    assert "password_hash" not in data["account"] and "totp_secret" not in data["account"]
    answers = [s["answer"] for a in data["role_play_attempts"] for s in a["steps"] if s["answer"]]
    assert answers == ["That sounds really lonely. Tell me more?"]
    assert any(e["action"] == "auth.login" for e in data["audit_events"])


def test_data_export_cli(runner, trainee):
    result = runner.invoke(args=["data", "export", "trainee@example.org"])
    assert result.exit_code == 0 and json.loads(result.output)["account"]["display_name"] == "Test Person"
    assert runner.invoke(args=["data", "export", "nobody@example.org"]).exit_code == 1


def test_closing_an_account_deletes_answers_but_keeps_certificates_verifiable(app, client, trainee):
    from test_assessments_views import take_listening_to_the_written_scene

    take_listening_to_the_written_scene(client)
    pass_everything(app, client, trainee.id)
    claim(client)
    cert_id = db.session.scalars(select(Certificate)).one().id
    wrong = post(client, "/privacy/close-account", {"password": "not my password"}, page="/account/password")
    assert wrong.location == "/account/password" and db.session.get(User, trainee.id) is not None
    post(client, "/privacy/close-account", {"password": PASSWORD}, page="/account/password")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(AttemptStep)) == 0
    record = app.test_client().get(f"/api/v1/certificates/{cert_id}").get_json()
    assert record["status"] == "valid" and record["holder"] == "Test Person Legal"
    assert client.get("/dashboard").status_code == 302


#: the newest revision of the last release: a database in the field is at this revision
LAST_RELEASE = "47ae2141f73d"
OLD_ROWS = [
    "INSERT INTO user (id, email, display_name, legal_name, password_hash, role, active, session_version, created_at) "
    "VALUES (1, 'old@example.org', 'Old', 'Old Person', 'x', 'trainee', 1, 1, '2026-01-01 00:00:00')",
    "INSERT INTO quiz_version (fingerprint, module_slug, quiz_slug, source, created_at) "
    "VALUES ('f', 'm', 'q', 'source', '2026-01-01 00:00:00')",
    "INSERT INTO lesson_progress (id, user_id, module_slug, course_slug, module_fingerprint, first_opened_at, "
    "last_opened_at, seconds_spent) VALUES (1, 1, 'm', 'c', 'f', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 60)",
    "INSERT INTO attempt (id, user_id, module_slug, quiz_slug, course_slug, fingerprint, number, state, shuffle_seed, "
    "practice, score, maximum, critical, started_at, finished_at) VALUES (1, 1, 'm', 'q', 'c', 'f', 1, 'passed', 0, 0, "
    "5, 7, 0, '2026-01-01 00:00:00', '2026-01-01 00:10:00')",
    "INSERT INTO attempt_step (id, attempt_id, position, scene_id, choice_index, answer, created_at) "
    "VALUES (1, 1, 0, 'opening', NULL, 'my written answer', '2026-01-01 00:05:00')",
]


def test_upgrading_a_database_of_the_last_release_keeps_every_row(tmp_path):
    """From the last release to head, with data in the tables every later migration rebuilds: nothing is
    lost. (On SQLite a rebuilt table is dropped, which with foreign keys enforced would delete children.)"""
    import flask_migrate
    from flask import Flask

    from lms import MIGRATIONS, database
    from lms.extensions import migrate

    app = Flask("migrations")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/old.sqlite3"
    db.init_app(app)
    database.init_database(app)  # the app's own connection settings, foreign keys enforced
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision=LAST_RELEASE)
        for statement in OLD_ROWS:
            db.session.execute(text(statement))
        db.session.commit()
        flask_migrate.upgrade(directory=MIGRATIONS)
        counts = {
            t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # nosec B608: fixed names
            for t in ("user", "quiz_version", "lesson_progress", "attempt", "attempt_step")
        }
        assert counts == dict.fromkeys(counts, 1), counts
        assert db.session.execute(text("SELECT legal_name FROM user")).scalar() == "Old Person"
        assert db.session.execute(text("SELECT answer FROM attempt_step")).scalar() == "my written answer"
        # Finished before decision-by-decision scoring: the result stands, marked as scored by rule 1.
        assert db.session.execute(text("SELECT score, possible, scoring_rule FROM attempt")).one() == (5, 7, 1)
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1, "enforcement is back on"
        flask_migrate.downgrade(directory=MIGRATIONS, revision=LAST_RELEASE)
        assert db.session.execute(text("SELECT count(*) FROM attempt_step")).scalar() == 1
        flask_migrate.upgrade(directory=MIGRATIONS)
        db.engine.dispose()


def test_logs_are_json_lines_with_the_request(app):
    import logging

    from lms.logs import JsonFormatter

    formatter = JsonFormatter()
    with app.test_request_context("/courses/", headers={"X-Request-Id": "abc123"}):
        app.preprocess_request()
        record = logging.LogRecord("lms.audit", logging.INFO, __file__, 1, 'line one\nline "two"', None, None)
        line = formatter.format(record)
    entry = json.loads(line)
    assert "\n" not in line and entry["message"] == 'line one\nline "two"'
    assert entry["path"] == "/courses/" and entry["request_id"] == "abc123" and entry["level"] == "info"
