"""F7: "forgot password" does the same work for known and unknown emails, and mail goes through an outbox
that is delivered after the response, retried a bounded number of times, and never sent twice."""

import email
import email.policy
import re
import socket
import time
from contextlib import contextmanager

from sqlalchemy import event, select

from lms.extensions import db
from lms.mail import FAILED, QUEUED, SENT, SKIPPED, OutboxMail

from helpers import csrf_token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def statements(app):
    """The SQL a request runs, without its parameters."""
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def forgot(app, email: str):
    client = app.test_client()
    token = csrf_token(client, "/account/forgot")
    with statements(app) as seen:
        response = client.post("/account/forgot", data={"csrf_token": token, "email": email})
    response.close()  # as a WSGI server does once the response is sent: delivery starts here
    return response, seen, client


@contextmanager
def smtp_inbox():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_forgot_runs_the_same_statements_and_answers_the_same_for_known_and_unknown_emails(app_factory, make_user):
    # A mail server that refuses connections: before, a known email got a 500 and an unknown one a 302.
    # Delivery by command here, so that only the request's own statements are counted.
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_DELIVERY="command")
    with app.app_context():
        make_user(email="alice@example.org")
    known, known_sql, known_client = forgot(app, "alice@example.org")
    unknown, unknown_sql, unknown_client = forgot(app, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location == "/account/login"
    assert known_sql == unknown_sql and any(s.startswith("INSERT INTO mail_outbox") for s in known_sql)
    assert (
        known_client.get("/account/login").get_data(as_text=True).count("If an account uses that email address")
        == unknown_client.get("/account/login").get_data(as_text=True).count("If an account uses that email address")
        == 1
    )


def test_a_broken_mail_server_is_retried_a_bounded_number_of_times_and_never_fails_the_request(app_factory, make_user):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_DELIVERY="command", MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        make_user(email="alice@example.org")
    assert forgot(app, "alice@example.org")[0].status_code == 302
    assert forgot(app, "Nobody@Example.org")[0].status_code == 302
    runner = app.test_cli_runner()
    with app.app_context():
        first = runner.invoke(args=["mail", "send"])
        assert first.exit_code == 1 and "Sent 0 email(s); 1 failed this time; 1 queued" in first.output, first.output
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        assert [(r.status, r.attempts) for r in rows] == [(QUEUED, 1), (SKIPPED, 1)]
        assert rows[1].recipient == "" and "ConnectionRefusedError" in rows[0].last_error
        assert "alice@example.org: ConnectionRefusedError" in first.output and "(try 1 of 2)" in first.output
        assert "Sent 0 email(s); 0 failed" in runner.invoke(args=["mail", "send"]).output, "not due again yet"
        rows[0].next_try_at = rows[0].created_at
        db.session.commit()
        runner.invoke(args=["mail", "send"])
        db.session.expire_all()
        assert (rows[0].status, rows[0].attempts) == (FAILED, 2)
        rows[0].next_try_at = rows[0].created_at
        db.session.commit()
        assert "Sent 0 email(s); 0 failed this time; 0 queued" in runner.invoke(args=["mail", "send"]).output


def test_the_reset_mail_goes_out_after_the_response_once_through_a_real_smtp_server(app_factory, make_user):
    with smtp_inbox() as (inbox, port):
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            make_user(email="alice@example.org")
        response, _, _ = forgot(app, "alice@example.org")
        assert response.status_code == 302
        forgot(app, "nobody@example.org")
        deadline = time.monotonic() + 15
        with app.app_context():
            while time.monotonic() < deadline and db.session.scalar(
                select(db.func.count()).select_from(OutboxMail).where(OutboxMail.status.in_((QUEUED, "sending")))
            ):
                db.session.commit()
                time.sleep(0.05)
            statuses = sorted(db.session.scalars(select(OutboxMail.status)))
            assert statuses == [SENT, SKIPPED]
            again = app.test_cli_runner().invoke(args=["mail", "send"])
        assert "Sent 0 email(s)" in again.output
    assert len(inbox.messages) == 1
    recipients, raw = inbox.messages[0]
    body = email.message_from_string(raw, policy=email.policy.default).get_content()
    assert recipients == ["alice@example.org"]
    link = re.search(r"https://lms\.example\.org(/account/reset/[\w-]+)", body).group(1)
    assert app.test_client().get(link).status_code == 200
