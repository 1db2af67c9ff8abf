"""Email, sent through an outbox table, never on a request's path.

A request only inserts a row; delivery happens after the response (a thread started when the
response closes) or from `flask --app lms mail send` run by a scheduler. A slow or broken mail server
then never slows a page down or turns it into a 500, and "forgot password" does the very same work
for an address with an account and one without: it queues the typed address, and only delivery finds
out whether there is an active account to send a reset link to.

Each row is claimed (queued -> sending) in its own committed step before anything is sent, so two
workers never send one message twice; failures are retried a bounded number of times, with the
status and last error recorded.
"""

import logging
import smtplib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

import click
from flask import Flask, Response, current_app
from flask.cli import AppGroup
from sqlalchemy import String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .database import begin_write
from .extensions import Model, db

logger = logging.getLogger(__name__)
mail_cli = AppGroup("mail", help="Deliver queued email.")
MESSAGE, PASSWORD_RESET = "message", "password_reset"


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: nobody to send it to (a reset asked for an address without an active account)
    SKIPPED = "skipped"


QUEUED, SENDING, SENT, FAILED, SKIPPED = MailStatus
#: wait this long after the n-th failed try before the next one
RETRY_AFTER = timedelta(minutes=5)


class OutboxMail(Model):
    """One email waiting to be sent, or the record that it was (or could not be)."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "message" (subject and body stored and sent as they are) or a kind written when it is sent, so that no
    #: working link is ever stored: "password_reset" (nothing but the address), "supervisor_link" (the body is
    #: the link's row id)
    kind: Mapped[str] = mapped_column(String(20), default=MESSAGE)
    #: emptied when a reset was asked for an address without an active account
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    #: queued, sending (claimed by a worker), sent, failed (gave up after MAIL_MAX_ATTEMPTS) or skipped
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))


def enqueue(to: str, subject: str, body: str) -> OutboxMail:
    """Queue an email in the current transaction (the caller commits); it is sent after the commit."""
    mail = OutboxMail(kind=MESSAGE, recipient=to, subject=subject, body=body)
    db.session.add(mail)
    db.session.flush()
    return mail


def deliver_after(response: Response) -> Response:
    """Send what is queued once this response has gone out (unless a scheduler runs `mail send`)."""
    config = current_app.config
    if config.get("MAIL_SERVER") and config.get("MAIL_DELIVERY", "thread") == "thread":
        app = current_app._get_current_object()
        response.call_on_close(lambda: threading.Thread(target=_deliver_in, args=(app,), daemon=True).start())
    return response


def _deliver_in(app: Flask) -> None:
    with app.app_context():
        try:
            deliver()
        except Exception:  # a background thread has nobody to raise to; the next run retries
            logger.exception("mail delivery stopped")


def deliver(now: datetime | None = None, failures: list | None = None) -> tuple[int, int]:
    """Send every queued email that is due; returns (sent, failed this time), each failed row added to `failures`."""
    begin_write()  # each step below writes: take SQLite's write lock up front, not half-way
    due = db.session.scalars(
        select(OutboxMail.id)
        .where(OutboxMail.status == QUEUED, OutboxMail.next_try_at <= (now or utcnow()))
        .order_by(OutboxMail.id)
    ).all()
    db.session.commit()
    sent = failed = 0
    for mail_id in due:
        outcome = _deliver_one(mail_id)
        sent += outcome == SENT
        failed += outcome in (QUEUED, FAILED)
        if outcome in (QUEUED, FAILED) and failures is not None:
            failures.append(db.session.get(OutboxMail, mail_id))
    return sent, failed


def _deliver_one(mail_id: int) -> str | None:
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.status == QUEUED)
        .values(status=SENDING, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None  # another worker has it
    mail = db.session.get(OutboxMail, mail_id)
    message = compose(mail)
    if message is None:
        mail.status, mail.recipient = SKIPPED, ""  # keep no trace of a stranger's address
        db.session.commit()
        return SKIPPED
    db.session.commit()  # a new reset link is stored before the (slow) mail server is called
    try:
        _send(message)
    except (OSError, smtplib.SMTPException) as exc:
        mail.status = FAILED if mail.attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 5) else QUEUED
        mail.next_try_at = utcnow() + RETRY_AFTER * mail.attempts
        mail.last_error = f"{type(exc).__name__}: {exc}"[:300]
        db.session.commit()
        logger.warning("mail %s not sent (try %s): %s", mail.id, mail.attempts, mail.last_error)
        return mail.status
    mail.status, mail.sent_at, mail.last_error = SENT, utcnow(), None
    db.session.commit()
    return SENT


#: kind -> a function that writes the message when it is sent (or None: nobody to send it to).
#: Features that must decide at delivery time register theirs in their init_app (auth: password resets).
_composers: dict[str, Callable[[OutboxMail], tuple[str, str, str] | None]] = {}


def register_kind(kind: str, compose: Callable[[OutboxMail], tuple[str, str, str] | None]) -> None:
    """Let a feature write messages of `kind` at delivery time: compose returns (to, subject, body) or None."""
    _composers[kind] = compose


def compose(mail: OutboxMail) -> EmailMessage | None:
    """The message a queued mail goes out as (None: nobody to send it to). A composed kind may write to the
    database as it composes (a new reset or confirmation link): delivery commits that before sending."""
    writer = _composers.get(mail.kind)
    if writer is None:
        return message(mail.recipient, mail.subject or "", mail.body or "")
    parts = writer(mail)
    return message(*parts) if parts is not None else None


def message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = current_app.config["MAIL_DEFAULT_SENDER"], to, subject
    message.set_content(body)
    return message


def _send(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def describe_failure(mail: OutboxMail) -> str:
    """One line for a command's summary: who, why, and whether it is tried again."""
    then = (
        f"gave up after {mail.attempts} tries"
        if mail.status == FAILED
        else f"tried again from {mail.next_try_at:%Y-%m-%d %H:%M} UTC (try {mail.attempts} of "
        f"{current_app.config.get('MAIL_MAX_ATTEMPTS', 5)})"
    )
    return f"{mail.recipient or '(no address)'}: {mail.last_error}; {then}"


@mail_cli.command("send")
def send_command() -> None:
    """Send the queued email that is due (run every minute or so when LMS_MAIL_DELIVERY=command)."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: there is no mail server to send through.")
    failures: list[OutboxMail] = []
    sent, failed = deliver(failures=failures)
    waiting = db.session.scalar(select(db.func.count()).select_from(OutboxMail).where(OutboxMail.status == QUEUED))
    click.echo(f"Sent {sent} email(s); {failed} failed this time; {waiting} queued for a later try.")
    for mail in failures:
        click.echo(f"  {describe_failure(mail)}")
    if failed:
        raise SystemExit(1)
