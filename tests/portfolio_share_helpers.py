"""Helpers for the sharing and supervision tests: entries, decisions and links made directly."""

import re
from datetime import date

from sqlalchemy import select

from lms.extensions import db
from lms.mail import OutboxMail, compose
from lms.portfolio.models import ExperienceEntry, PathwayChoice, SupervisionSession


def experience(
    user_id: int,
    supervisor: str = "sam@example.org",
    minutes: int = 240,
    on: date = date(2026, 10, 1),
    name: str = "Sam Supervisor",
) -> ExperienceEntry:
    entry = ExperienceEntry(
        user_id=user_id,
        worked_on=on,
        minutes=minutes,
        setting="Drop-in centre",
        activity="One-to-one peer support",
        supervisor_name=name,
        supervisor_email=supervisor,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def supervision_session(
    user_id: int, supervisor: str = "sam@example.org", minutes: int = 60, on: date = date(2026, 10, 2)
) -> SupervisionSession:
    entry = SupervisionSession(
        user_id=user_id,
        held_on=on,
        minutes=minutes,
        format="individual",
        notes="Boundaries",
        supervisor_name="Sam Supervisor",
        supervisor_email=supervisor,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def choose(user_id: int, slug: str = "sample-credential") -> None:
    db.session.add(PathwayChoice(user_id=user_id, pathway_slug=slug))
    db.session.flush()


def mailed_link(to: str) -> str:
    """The path of the confirmation link in the newest mail to this address, written as delivery writes it
    (the outbox holds no link: each composing makes a new token, and only the newest works)."""
    mail = db.session.scalars(
        select(OutboxMail).where(OutboxMail.recipient == to).order_by(OutboxMail.id.desc())
    ).first()
    message = compose(mail)
    db.session.commit()  # the new token's hash, as delivery commits it before sending
    return re.search(r"https://lms\.example\.org(/portfolio/confirm/\S+)", message.get_content()).group(1)
