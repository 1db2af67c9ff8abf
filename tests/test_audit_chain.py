"""F8 (and F1's last point): the audit log is a hash chain that `audit verify` checks; people are named by
a pseudonym that survives their account and is never inherited; staff cannot close their own account."""

import json
import threading

from sqlalchemy import select, text

from lms import audit
from lms.audit import AuditEvent
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.extensions import db

from certificate_helpers import claim, pass_everything
from helpers import PASSWORD, join_cohort_of, post


def signed_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    assert post(client, "/account/login", {"email": email, "password": password}).status_code == 302
    return client


def register(client, email: str):
    return post(
        client,
        "/account/register",
        {
            "email": email,
            "display_name": "Someone",
            "legal_name": "Some One",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "privacy": "y",
        },
        page="/account/register",
    )


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_audit_verify_reports_an_intact_chain_and_the_first_event_edited_or_removed(app, runner, make_user):
    make_user(email="a@example.org")
    signed_in(app, "a@example.org")
    post(app.test_client(), "/account/login", {"email": "a@example.org", "password": "wrong password here"})
    signed_in(app, "a@example.org")
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert len(ids) == 3
    intact = verify(runner)
    assert intact.exit_code == 0 and "3 events, chain intact" in intact.output

    # An insider edits who signed in from where: the chain breaks at that event.
    db.session.execute(text("UPDATE audit_event SET ip = '10.9.9.9' WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    edited = verify(runner)
    assert edited.exit_code == 1 and f"event {ids[1]} " in edited.output and "altered" in edited.output
    db.session.execute(text("UPDATE audit_event SET ip = '127.0.0.1' WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    assert verify(runner).exit_code == 0

    # ... or removes it: the next event no longer follows the one before it.
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    db.session.commit()
    removed = verify(runner)
    assert removed.exit_code == 1 and f"event {ids[2]} " in removed.output and "removed" in removed.output


def test_appends_from_concurrent_requests_never_fork_the_chain(app, runner):
    """Three clients fail to sign in at once; each append reads the head under a lock, so the chain stays one line."""
    errors = []

    def attacker(n):
        client = app.test_client()
        for i in range(10):
            response = post(
                client, "/account/login", {"email": f"guess{n}-{i}@example.org", "password": "not it at all"}
            )
            if response.status_code != 422:
                errors.append(response.status_code)

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    result = verify(runner)
    assert result.exit_code == 0 and "30 events, chain intact" in result.output, result.output
    assert len(set(db.session.scalars(select(AuditEvent.prev_hash)))) == 30


def test_a_trainer_cannot_close_their_account_to_wipe_who_revoked_a_certificate(
    app, client, trainee, make_user, runner
):
    pass_everything(app, client, trainee.id)
    assert claim(client).status_code == 302
    cert_id = db.session.scalars(select(Certificate.id)).one()
    make_user(email="rogue@example.org", role="trainer")
    make_user(email="admin@example.org", role="admin")
    join_cohort_of("rogue@example.org", trainee.id)  # trainers act only on their own cohorts' trainees
    rogue = signed_in(app, "rogue@example.org")
    page = f"/staff/certificates/{cert_id}"
    post(
        rogue,
        page,
        {"form": "status", "status-action": "revoke", "status-reason": "Spite", "status-confirm": "y"},
        page=page,
    )

    closing = post(rogue, "/privacy/close-account", {"password": PASSWORD}, page="/account/password")
    assert closing.status_code == 302 and closing.location == "/account/password"
    assert db.session.scalar(select(User).where(User.email == "rogue@example.org")) is not None
    assert "cannot be closed by their owner" in rogue.get("/account/password").get_data(as_text=True)

    db.session.expire_all()
    rogue_ref = audit.user_ref(db.session.scalar(select(User).where(User.email == "rogue@example.org")))
    revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert revoked.actor == rogue_ref and db.session.get(Certificate, cert_id).status_changed_by == rogue_ref
    log = signed_in(app, "admin@example.org").get("/admin/audit/").get_data(as_text=True)
    row = next(line for line in log.split("<tr>") if "certificate.revoked" in line)
    assert "rogue@example.org" in row
    assert verify(runner).exit_code == 0


def test_a_closed_accounts_events_stay_pseudonymous_and_are_never_inherited(app, make_user, runner):
    first = app.test_client()
    assert register(first, "dave@example.org").status_code == 302
    dave = signed_in(app, "dave@example.org")
    dave_id = db.session.scalar(select(User.id).where(User.email == "dave@example.org"))
    dave_ref = audit.user_ref(dave_id)
    assert post(dave, "/privacy/close-account", {"password": PASSWORD}, page="/account/password").status_code == 302
    assert db.session.get(User, dave_id) is None

    # The next account may be handed dave's id (SQLite reuses the highest one): it inherits none of his trail.
    eve = app.test_client()
    assert register(eve, "eve@example.org").status_code == 302
    eve = signed_in(app, "eve@example.org")
    data = json.loads(eve.get("/privacy/my-data.json").get_data(as_text=True))
    assert data["account"]["email"] == "eve@example.org"
    mine = audit.user_ref(db.session.scalar(select(User).where(User.email == "eve@example.org")))
    assert data["audit_events"], "eve's own registration and sign-in are hers"
    assert all(mine in (e["actor"], e["subject"]) for e in data["audit_events"])
    assert not [
        e for e in data["audit_events"] if dave_ref in (e["actor"], e["subject"]) or e["action"] == "user.deleted"
    ]

    # Dave's events keep their pseudonym; the log shows it as a deleted user, never as eve or as dave's email.
    daves = db.session.scalars(select(AuditEvent).where(AuditEvent.subject == dave_ref)).all()
    assert {e.action for e in daves} >= {"auth.registered", "auth.login", "user.deleted"}
    make_user(email="admin@example.org", role="admin")
    log = signed_in(app, "admin@example.org").get("/admin/audit/").get_data(as_text=True)
    assert "deleted-user:" + dave_ref.split(":", 1)[1] in log and "dave@example.org" not in log
    assert verify(runner).exit_code == 0


def test_upgrading_chains_the_existing_events_and_gives_old_subjects_pseudonyms(tmp_path):
    """Events recorded before this migration get actors, pseudonyms and a chain that verifies."""
    import flask_migrate
    from flask import Flask

    from lms import MIGRATIONS
    from lms.extensions import migrate

    app = Flask("migrations")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/old.sqlite3"
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="47ae2141f73d")
        db.session.execute(
            text(
                "INSERT INTO user (id, email, display_name, legal_name, password_hash, role, active, "
                "session_version, created_at) VALUES (1, 'new@example.org', 'New', 'New', 'x', "
                "'trainee', 1, 1, '2026-06-01 00:00:00')"
            )
        )
        for at, actor, subject in (
            ("2026-01-01 10:00:00.000000", 1, "user:1"),  # an earlier account with id 1
            ("2026-07-01 10:00:00.000000", 1, "user:1"),  # the current one
            ("2026-07-02 10:00:00.000000", None, "cohort:3"),
        ):
            db.session.execute(
                text(
                    "INSERT INTO audit_event (at, actor_id, action, subject, details, ip) "
                    "VALUES (:at, :actor, 'auth.login', :subject, '{\"n\": 1}', '127.0.0.1')"
                ),
                {"at": at, "actor": actor, "subject": subject},
            )
        db.session.commit()
        flask_migrate.upgrade(directory=MIGRATIONS)
        count, problem, _ = audit.verify()
        assert (count, problem) == (3, None)
        new_ref = "user:" + db.session.scalar(text("SELECT uuid FROM user"))
        old, current, system = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert current.actor == current.subject == new_ref
        assert old.actor == old.subject != new_ref and old.subject.startswith("user:")
        assert system.actor is None and system.subject == "cohort:3"
        db.engine.dispose()


def test_the_audit_log_names_the_accounts_table_by_columns_the_model_has():
    """lms.audit sits below lms.auth, so it names the user table by columns: they must stay the model's."""
    from lms.audit import _USERS
    from lms.auth.models import User

    assert _USERS.name == User.__tablename__
    for name in _USERS.c.keys():
        assert name in User.__table__.c, name
