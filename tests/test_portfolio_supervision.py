"""Supervisors vouch for entries: only the entries addressed to them, single-use mailed links, every decision audited."""

import re
from datetime import timedelta
from email import message_from_string, policy

from portfolio_share_helpers import experience, mailed_link, supervision_session
from sqlalchemy import select

from lms.audit import AuditEvent
from lms.auth.models import User
from lms.clock import utcnow
from lms.extensions import db
from lms.portfolio import supervision
from lms.portfolio.share_models import SupervisorLink

from helpers import PASSWORD, post


def signed_in(app, email):
    client = app.test_client()
    post(client, "/account/login", {"email": email, "password": PASSWORD})
    return client


def _send(entry, trainee):
    supervision.request_confirmation(entry, trainee, "https://lms.example.org")
    db.session.commit()


def test_a_supervisor_sees_and_decides_only_the_entries_addressed_to_them(app, make_user):
    trainee = make_user(email="t@example.org", legal_name="Robin Quinn")
    make_user(email="sam@example.org", role="supervisor")
    make_user(email="alex@example.org", role="supervisor")
    mine = experience(trainee.id, supervisor="sam@example.org")
    theirs = supervision_session(trainee.id, supervisor="someone@example.org")
    db.session.commit()
    alex = signed_in(app, "alex@example.org")
    url = f"/portfolio/supervise/experience/{mine.id}"
    assert alex.get(url).status_code == 404
    assert post(alex, url, {"decision": "confirm"}, page="/portfolio/supervise/").status_code == 404
    assert "Drop-in centre" not in alex.get("/portfolio/supervise/").get_data(as_text=True)
    sam = signed_in(app, "sam@example.org")
    listing = sam.get("/portfolio/supervise/").get_data(as_text=True)
    assert url in listing and f"/supervision/{theirs.id}" not in listing and "Robin Quinn" in listing
    assert sam.get(f"/portfolio/supervise/supervision/{theirs.id}").status_code == 404
    assert sam.get(url).status_code == 200
    response = post(sam, url, {"decision": "confirm", "comment": "Seen it myself."}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(mine), mine.id).state == "confirmed"
    assert db.session.get(type(mine), mine.id).decided_by_id == db.session.scalar(
        select(User.id).where(User.email == "sam@example.org")
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.experience.confirmed")).one()
    assert event.details["record"] == f"experience:{mine.id}" and event.details["via"] == "supervisor account"
    assert event.actor is not None and event.actor.startswith("user:")
    # Decided once: a second decision is not taken.
    post(sam, url, {"decision": "decline", "comment": "No"}, page=url)
    db.session.expire_all()
    assert db.session.get(type(mine), mine.id).state == "confirmed"


def test_only_supervisors_reach_the_supervisors_pages(app, make_user):
    make_user(email="t@example.org")
    trainee = signed_in(app, "t@example.org")
    assert trainee.get("/portfolio/supervise/").status_code == 403
    assert app.test_client().get("/portfolio/supervise/").status_code == 302


def test_a_mailed_link_confirms_once_and_is_refused_when_used_again(app, make_user):
    trainee = make_user(email="t@example.org", legal_name="Robin Quinn")
    entry = experience(trainee.id, supervisor="nobody-here@example.org")
    _send(entry, trainee)
    link = mailed_link("nobody-here@example.org")
    visitor = app.test_client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Robin Quinn" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    done = post(visitor, link, {"decision": "confirm", "comment": ""}, page=link)
    assert done.status_code == 200 and "now <strong>confirmed</strong>" in done.get_data(as_text=True)
    again = visitor.get(link)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert (
        post(visitor, link, {"decision": "decline", "comment": "changed my mind"}, page="/account/login").status_code
        == 410
    )
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).state == "confirmed"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert (
        actions.count("portfolio.confirmation_requested") == 1 and actions.count("portfolio.experience.confirmed") == 1
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.experience.confirmed")).one()
    assert event.details["via"] == "emailed link" and event.actor is None


def test_a_link_for_an_entry_edited_after_it_was_sent_is_refused(app, make_user):
    trainee = make_user(email="t@example.org")
    entry = experience(trainee.id, supervisor="nobody-here@example.org", minutes=120)
    _send(entry, trainee)
    link = mailed_link("nobody-here@example.org")
    entry.minutes = 480  # the trainee claims more hours after the link went out
    db.session.commit()
    visitor = app.test_client()
    refused = visitor.get(link)
    assert refused.status_code == 410 and "changed or removed this entry" in refused.get_data(as_text=True)
    assert post(visitor, link, {"decision": "confirm"}, page="/account/login").status_code == 410
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).state == "pending"


def test_an_expired_or_unknown_link_is_refused(app, make_user):
    trainee = make_user(email="t@example.org")
    entry = experience(trainee.id, supervisor="nobody-here@example.org")
    _send(entry, trainee)
    link = mailed_link("nobody-here@example.org")
    row = db.session.scalars(select(SupervisorLink)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(link).status_code == 410
    assert app.test_client().get("/portfolio/confirm/" + "A" * 43).status_code == 404


def test_declining_needs_a_comment_and_is_audited(app, make_user):
    trainee = make_user(email="t@example.org")
    entry = supervision_session(trainee.id, supervisor="nobody-here@example.org")
    _send(entry, trainee)
    link = mailed_link("nobody-here@example.org")
    visitor = app.test_client()
    blank = post(visitor, link, {"decision": "decline", "comment": " "}, page=link)
    assert blank.status_code == 422 and "Please say why" in blank.get_data(as_text=True)
    done = post(visitor, link, {"decision": "decline", "comment": "We met for 30 minutes, not an hour."}, page=link)
    assert done.status_code == 200
    db.session.expire_all()
    declined = db.session.get(type(entry), entry.id)
    assert declined.state == "declined" and declined.decider_comment == "We met for 30 minutes, not an hour."
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "portfolio.supervision.declined")).one()
    assert event.details["comment"] == "We met for 30 minutes, not an hour."


def test_a_supervisor_with_an_account_is_told_to_sign_in_and_gets_no_link(app, make_user):
    trainee = make_user(email="t@example.org")
    make_user(email="sam@example.org", role="supervisor")
    entry = experience(trainee.id, supervisor="sam@example.org")
    _send(entry, trainee)
    assert db.session.scalars(select(SupervisorLink)).all() == []
    from lms.mail import OutboxMail

    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.recipient == "sam@example.org" and "/portfolio/supervise/" in mail.body and "/confirm/" not in mail.body


EXPERIENCE_FORM = {
    "worked_on": "2026-10-01",
    "hours": "4",
    "setting": "Drop-in centre",
    "activity": "Peer support",
    "supervisor_name": "Sam Supervisor",
    "supervisor_email": "Nobody-Here@Example.org",
}


def test_logging_an_entry_mails_a_link_and_an_edit_replaces_it(app, make_user):
    from lms.portfolio.models import ExperienceEntry

    make_user(email="t@example.org", legal_name="Robin Quinn")
    trainee = signed_in(app, "t@example.org")
    assert (
        post(trainee, "/portfolio/experience/new", EXPERIENCE_FORM, page="/portfolio/experience/new").status_code == 302
    )
    entry = db.session.scalars(select(ExperienceEntry)).one()
    first = mailed_link("nobody-here@example.org")
    edit = f"/portfolio/experience/{entry.id}/edit"
    assert post(trainee, edit, dict(EXPERIENCE_FORM, hours="8"), page=edit).status_code == 302
    second = mailed_link("nobody-here@example.org")
    assert second != first
    visitor = app.test_client()
    assert visitor.get(first).status_code == 410
    assert "<dt>Hours</dt><dd>8</dd>" in visitor.get(second).get_data(as_text=True)
    # An edit that changes nothing sends nothing new, and the link sent stays good.
    from lms.mail import OutboxMail

    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == "nobody-here@example.org")).all()
    post(trainee, edit, dict(EXPERIENCE_FORM, hours="8"), page=edit)
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMail)).all() == mails and len(mails) == 2
    assert visitor.get(second).status_code == 200
    # The outbox holds the links' row ids, never a working link: a copy of the database confirms nothing.
    assert all(m.body.isdigit() and "/confirm/" not in m.subject for m in mails)


def test_a_link_mail_goes_out_with_a_working_link_and_the_outbox_never_holds_one(app_factory, make_user):
    """Through a real SMTP server: the supervisor receives a link that works; the outbox row keeps the link's id;
    a mail whose entry changed before it went out is not sent at all."""
    from test_mail_outbox import smtp_inbox

    from lms.mail import SKIPPED, OutboxMail, deliver
    from lms.portfolio.share_models import SupervisorLink

    with smtp_inbox() as (inbox, port):
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command")
        with app.app_context():
            make_user(email="t@example.org", legal_name="Robin Quinn")
            trainee = signed_in(app, "t@example.org")
            assert (
                post(
                    trainee, "/portfolio/experience/new", EXPERIENCE_FORM, page="/portfolio/experience/new"
                ).status_code
                == 302
            )
            stale = dict(EXPERIENCE_FORM, supervisor_email="gone@example.org")
            assert (
                post(trainee, "/portfolio/experience/new", stale, page="/portfolio/experience/new").status_code == 302
            )
            from lms.portfolio.models import ExperienceEntry

            gone = db.session.scalars(
                select(ExperienceEntry).where(ExperienceEntry.supervisor_email == "gone@example.org")
            ).one()
            edit = f"/portfolio/experience/{gone.id}/edit"
            assert (
                post(trainee, edit, dict(stale, hours="9"), page=edit).status_code == 302
            )  # a second link replaces it
            before = {link.id: link.token_hash for link in db.session.scalars(select(SupervisorLink))}
            assert deliver() == (2, 0)
            rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
            assert [m.status for m in rows] == ["sent", SKIPPED, "sent"]
            assert all("/confirm/" not in (m.body or "") for m in rows)
            db.session.expire_all()
            after = {link.id: link.token_hash for link in db.session.scalars(select(SupervisorLink))}
            assert sum(after[i] != before[i] for i in before) == 2  # the two sent links got their tokens as they went
        parsed = [message_from_string(raw, policy=policy.default) for _, raw in inbox.messages]
        received = {m["To"]: m.get_content() for m in parsed}
        assert set(received) == {"nobody-here@example.org", "gone@example.org"}
        path = re.search(r"https?://[^/\s]+(/portfolio/confirm/\S+)", received["nobody-here@example.org"]).group(1)
        page = app.test_client().get(path)
        assert page.status_code == 200 and "Drop-in centre" in page.get_data(as_text=True)


def test_editing_or_deleting_an_entry_after_the_supervisor_confirmed_it_is_refused(app, make_user):
    from lms.portfolio.models import ExperienceEntry

    make_user(email="t@example.org")
    trainee = signed_in(app, "t@example.org")
    post(trainee, "/portfolio/experience/new", EXPERIENCE_FORM, page="/portfolio/experience/new")
    link = mailed_link("nobody-here@example.org")
    assert post(app.test_client(), link, {"decision": "confirm"}, page=link).status_code == 200
    entry = db.session.scalars(select(ExperienceEntry)).one()
    edit = f"/portfolio/experience/{entry.id}/edit"
    refused = post(trainee, edit, dict(EXPERIENCE_FORM, hours="12"), page="/portfolio/records")
    assert refused.status_code == 409
    assert post(trainee, f"/portfolio/experience/{entry.id}/delete", page="/portfolio/records").status_code == 409
    db.session.expire_all()
    kept = db.session.get(ExperienceEntry, entry.id)
    assert kept is not None and kept.minutes == 240 and kept.state == "confirmed"


def test_a_trainee_cannot_name_themselves_as_supervisor(app, make_user):
    from lms.mail import OutboxMail
    from lms.portfolio.models import ExperienceEntry

    make_user(email="t@example.org")
    trainee = signed_in(app, "t@example.org")
    refused = post(
        trainee,
        "/portfolio/experience/new",
        dict(EXPERIENCE_FORM, supervisor_email="T@example.org"),
        page="/portfolio/experience/new",
    )
    assert refused.status_code == 422 and "not your own" in refused.get_data(as_text=True)
    assert (
        db.session.scalars(select(ExperienceEntry)).all() == [] and db.session.scalars(select(OutboxMail)).all() == []
    )
    # Nor can a supervisor account confirm an entry of its own.
    sam = make_user(email="sam@example.org", role="supervisor")
    own = experience(sam.id, supervisor="sam@example.org")
    db.session.commit()
    client = signed_in(app, "sam@example.org")
    url = f"/portfolio/supervise/experience/{own.id}"
    assert post(client, url, {"decision": "confirm"}, page=url).status_code == 422
    db.session.expire_all()
    assert db.session.get(ExperienceEntry, own.id).state == "pending"


def test_the_upgrade_takes_the_links_out_of_mails_already_in_the_outbox(tmp_path):
    """Link mails queued before link mails were written at delivery become link mails; sent ones lose the token."""
    import hashlib

    import flask_migrate
    from flask import Flask
    from sqlalchemy import text

    from lms import MIGRATIONS
    from lms.extensions import migrate

    app = Flask("upgrade")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path}/old.sqlite3"
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    queued_token, sent_token = "Q" * 43, "S" * 43
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="c5a1e7d93b40")
        for n, token in ((1, queued_token), (2, sent_token)):
            db.session.execute(
                text(
                    "INSERT INTO supervisor_link (id, entry_kind, entry_id, token_hash, entry_fingerprint, sent_to, "
                    "created_at, expires_at) VALUES (:n, 'experience', :n, :h, 'f', 'sam@example.org', "
                    "'2026-11-01 00:00:00', '2026-12-01 00:00:00')"
                ),
                {"n": n, "h": hashlib.sha256(token.encode()).hexdigest()},
            )
            db.session.execute(
                text(
                    "INSERT INTO mail_outbox (id, created_at, kind, recipient, subject, body, status, attempts, "
                    "next_try_at) VALUES (:n, '2026-11-01 00:00:00', 'message', 'sam@example.org', 'Confirm', :body, "
                    ":status, 0, '2026-11-01 00:00:00')"
                ),
                {
                    "n": n,
                    "status": "queued" if n == 1 else "sent",
                    "body": f"Hello,\n\nOpen this link:\nhttps://lms.example.org/portfolio/confirm/{token}\n\nThanks.\n",
                },
            )
        db.session.commit()
        flask_migrate.upgrade(directory=MIGRATIONS)
        rows = db.session.execute(text("SELECT id, kind, body FROM mail_outbox ORDER BY id")).all()
        assert rows[0][1:] == ("supervisor_link", "1")
        assert (
            rows[1][1] == "message" and sent_token not in rows[1][2] and "(link removed from the outbox)" in rows[1][2]
        )
        db.engine.dispose()
