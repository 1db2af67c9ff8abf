"""Scheduled jobs keep working when a service fails (issue #18).

Renewal reminders through a real SMTP server (aiosmtpd) that refuses one recipient part-way and then
recovers: everyone else is mailed once, the refused one is retried by the next run until it goes
through or its tries run out, nobody is mailed twice, and the exit code and summary say what failed.
"""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select
from test_mail_outbox import free_port

from lms.certificates.models import VALID, Certificate
from lms.certificates.reminders import send_reminders
from lms.clock import utcnow
from lms.extensions import db
from lms.mail import FAILED, SENT, OutboxMail

from certificate_helpers import content_variant


@contextmanager
def picky_smtp_server():
    """A real SMTP server; addresses in `refuse` get 550 at RCPT, as a server does for an unknown mailbox."""
    from aiosmtpd.controller import Controller

    class Picky:
        def __init__(self):
            self.refuse: set[str] = set()
            self.delivered: list[str] = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in self.refuse:
                return "550 5.1.1 No such mailbox here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.delivered.extend(envelope.rcpt_tos)
            return "250 OK"

    handler, port = Picky(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _expiring_certificate(make_user, email: str, days: int, n: int) -> None:
    """A valid certificate of the sample course that expires in `days` (the reminder reads these columns)."""
    user = make_user(email=email, legal_name=f"Holder {n}")
    db.session.add(
        Certificate(
            id=f"TEST-{n:04d}",
            user_id=user.id,
            course_slug="sample",
            course_fingerprint="f" * 64,
            course_title="Sample Course",
            title="Certificate of Completion: Sample Course",
            holder_name=f"Holder {n}",
            hours={"mentoring": 2, "ethics": 1},
            competencies=[],
            issuer={},
            issued_at=utcnow() - timedelta(days=335),
            expires_at=utcnow() + timedelta(days=days),
            status=VALID,
            status_index=n,
            credential="",
            pdf=b"",
        )
    )
    db.session.commit()


def _next_day() -> None:
    """What a day's wait does to the outbox: every retry that was waiting is due."""
    for mail in db.session.scalars(select(OutboxMail)):
        mail.next_try_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_refused_recipient_is_retried_by_the_next_run_and_nobody_is_mailed_twice(app_factory, make_user, tmp_path):
    with picky_smtp_server() as (server, port):
        app = app_factory(
            CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  validity_months: 12\n")),
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_DELIVERY="command",
            MAIL_MAX_ATTEMPTS=3,
        )
        runner = app.test_cli_runner()
        with app.app_context():
            for n, email in enumerate(["ana@example.org", "ben@example.org", "cy@example.org", "dee@example.org"], 1):
                _expiring_certificate(make_user, email, days=20 + n, n=n)  # mailed in this order
            server.refuse = {"ben@example.org"}  # part-way through the run

            first = runner.invoke(args=["certificates", "remind"])
            assert first.exit_code == 1, first.output
            assert "3 reminder email(s) sent, 1 failed" in first.output
            assert "ben@example.org" in first.output and "550" in first.output
            assert sorted(server.delivered) == ["ana@example.org", "cy@example.org", "dee@example.org"]

            # The same day again (a scheduler retrying a failed job): nothing is queued or sent twice.
            again = runner.invoke(args=["certificates", "remind"])
            assert again.exit_code == 0 and "0 reminder email(s) sent" in again.output, again.output
            assert len(server.delivered) == 3

            server.refuse = set()  # the mailbox exists again
            _next_day()
            second = runner.invoke(args=["certificates", "remind"])
            assert second.exit_code == 0 and "1 reminder email(s) sent" in second.output, second.output
        assert sorted(server.delivered) == ["ana@example.org", "ben@example.org", "cy@example.org", "dee@example.org"]
        with app.app_context():
            assert {m.status for m in db.session.scalars(select(OutboxMail))} == {SENT}
            assert all(c.reminded_at is not None for c in db.session.scalars(select(Certificate)))


def test_an_address_that_always_bounces_stops_no_one_and_is_given_up_after_its_tries(app_factory, make_user, tmp_path):
    with picky_smtp_server() as (server, port):
        app = app_factory(
            CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  validity_months: 12\n")),
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_DELIVERY="command",
            MAIL_MAX_ATTEMPTS=2,
        )
        runner = app.test_cli_runner()
        with app.app_context():
            _expiring_certificate(make_user, "first@example.org", days=10, n=1)
            _expiring_certificate(make_user, "gone@example.org", days=20, n=2)
            _expiring_certificate(make_user, "last@example.org", days=30, n=3)
            server.refuse = {"gone@example.org"}
            outputs = []
            for _day in range(4):
                outputs.append(runner.invoke(args=["certificates", "remind"]))
                _next_day()
            assert [r.exit_code for r in outputs] == [1, 1, 0, 0], [r.output for r in outputs]
            assert "gave up after 2 tries" in outputs[1].output
            bounced = db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == "gone@example.org")).one()
            assert (bounced.status, bounced.attempts) == (FAILED, 2) and "550" in bounced.last_error
        assert sorted(server.delivered) == ["first@example.org", "last@example.org"]


def test_a_reminder_asks_for_an_attestation_only_when_the_course_has_one(app_factory, make_user, tmp_path):
    for attestation in (False, True):
        with picky_smtp_server() as (server, port):
            root = content_variant(
                tmp_path / str(attestation), "certificate:\n  validity_months: 12\n", attestation=attestation
            )
            app = app_factory(CONTENT_DIR=str(root), MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DELIVERY="command")
            with app.app_context():
                _expiring_certificate(
                    make_user, f"holder-{attestation}@example.org".lower(), days=30, n=1 + attestation
                )
                assert app.test_cli_runner().invoke(args=["certificates", "remind"]).exit_code == 0
                body = db.session.scalars(
                    select(OutboxMail.body).where(OutboxMail.recipient == f"holder-{attestation}@example.org".lower())
                ).one()
            assert ("sign the attestation" in body) is attestation, body
            assert "pass each role-play" in body


def test_two_reminder_runs_at_once_queue_each_reminder_once(app_factory, make_user, tmp_path):
    """A scheduler that starts the job again while the first run is still going (or two hosts running it)."""
    app = app_factory(
        CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  validity_months: 12\n")),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        MAIL_DELIVERY="command",
    )
    with app.app_context():
        _expiring_certificate(make_user, "ana@example.org", days=20, n=1)
    first_has_queued, results, errors = threading.Event(), [], []

    def run(first: bool) -> None:
        try:
            with app.app_context():
                results.append(send_reminders()[0])
                if first:
                    first_has_queued.set()
                    time.sleep(0.5)  # not committed yet while the second run looks
                db.session.commit()
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)

    first = threading.Thread(target=run, args=(True,))
    first.start()
    assert first_has_queued.wait(10)
    second = threading.Thread(target=run, args=(False,))
    second.start()
    first.join(15)
    second.join(15)
    assert errors == [] and sorted(results) == [0, 1]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMail)) == 1


def test_reminders_wait_out_a_mail_server_that_is_down_and_go_out_once_when_it_is_back(
    app_factory, make_user, tmp_path
):
    with picky_smtp_server() as (server, port):
        app = app_factory(
            CONTENT_DIR=str(content_variant(tmp_path, "certificate:\n  validity_months: 12\n")),
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_DELIVERY="command",
        )
        runner = app.test_cli_runner()
        with app.app_context():
            _expiring_certificate(make_user, "ana@example.org", days=20, n=1)
            _expiring_certificate(make_user, "ben@example.org", days=30, n=2)
    # The server is stopped now (same port, nothing listening).
    with app.app_context():
        down = runner.invoke(args=["certificates", "remind"])
        assert down.exit_code == 1 and "0 reminder email(s) sent, 2 failed" in down.output, down.output
        assert down.output.count("ConnectionRefusedError") == 2
    from aiosmtpd.controller import Controller

    controller = Controller(server, hostname="127.0.0.1", port=port)  # the same server, back up
    controller.start()
    try:
        with app.app_context():
            _next_day()
            back = runner.invoke(args=["certificates", "remind"])
            assert back.exit_code == 0 and "2 reminder email(s) sent" in back.output, back.output
            assert runner.invoke(args=["certificates", "remind"]).exit_code == 0
    finally:
        controller.stop()
    assert sorted(server.delivered) == ["ana@example.org", "ben@example.org"]
