"""Renewal reminders: mail the holder 90, 30 and 7 days before their certification's renewal deadline.

Where the holder stands (the deadline, continuing education done and remaining) is the portfolio's
progress (`progress.progress(...).renewal`); this module only decides which reminder is due and sends it.
`flask --app lms portfolio remind` is run daily. Each reminder is a row under a unique constraint written in
the same commit as its queued email, so a second run (or two at once) sends nothing twice and a run that
stopped half-way is simply run again. A run that missed a day sends only the nearest reminder reached (at 29
days left: the 30-day one, and the 90-day one is recorded as passed, not sent late).
"""

import logging
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import User
from ..certificates.issue import public_base
from ..clock import utcnow
from ..content import catalog
from ..database import begin_write
from ..extensions import db
from ..mail import enqueue
from .models import BoardCertification
from .progress import RenewalProgress, progress
from .share_models import RenewalReminder

logger = logging.getLogger(__name__)
REMIND_DAYS = (90, 30, 7)


def due_reminder(days_left: int) -> int | None:
    """The reminder due with this many days left (the nearest one reached), or None."""
    reached = [d for d in REMIND_DAYS if 0 < days_left <= d]
    return min(reached) if reached else None


def send_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Queue each reminder that is due and was not sent before; returns (queued, certifications tracked).

    Without a mail server nothing is queued or recorded, so reminders still go out once mail is set up."""
    begin_write()  # SQLite: the write lock from the first read, so a second run waits and then sees the rows
    today = (now or utcnow()).date()
    pathways = catalog().pathways
    holders = db.session.execute(
        select(BoardCertification.user_id, BoardCertification.pathway_slug)
        .distinct()
        .order_by(BoardCertification.user_id, BoardCertification.pathway_slug)
    ).all()
    queued = tracked = 0
    mail = bool(current_app.config.get("MAIL_SERVER"))
    for user_id, slug in holders:
        pathway = pathways.get(slug)
        user = db.session.get(User, user_id)
        if pathway is None or pathway.renewal is None or user is None or not user.active:
            continue
        renewal = progress(user_id, pathway, today).renewal
        tracked += 1
        days = due_reminder(renewal.days_left)
        if (
            not mail
            or days is None
            or _sent(user_id, renewal.due_on, days)
            or not _claim(user_id, renewal.due_on, days)
        ):
            continue
        enqueue(
            user.email,
            f"Your certification renewal is due on {renewal.due_on:%-d %B %Y}",
            _body(user, pathway, renewal),
        )
        logger.info("renewal reminder (%s days) queued for user %s, %s", days, user_id, slug)
        queued += 1
    return queued, tracked


def _sent(user_id: int, deadline: date, days: int) -> bool:
    return (
        db.session.scalar(
            select(RenewalReminder.id).where(
                RenewalReminder.user_id == user_id,
                RenewalReminder.deadline == deadline,
                RenewalReminder.days_before == days,
            )
        )
        is not None
    )


def _claim(user_id: int, deadline: date, days: int) -> bool:
    """Record this reminder (and the earlier ones it stands in for); False if another run recorded it first."""
    try:
        with db.session.begin_nested():
            for earlier in REMIND_DAYS:
                if earlier == days or earlier > days and not _sent(user_id, deadline, earlier):
                    db.session.add(RenewalReminder(user_id=user_id, deadline=deadline, days_before=earlier))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _body(user: User, pathway, renewal: RenewalProgress) -> str:
    # Built by hand: the daily command runs outside any request, where url_for cannot build addresses.
    link = public_base() + f"/portfolio/pathways/{pathway.slug}"
    if renewal.complete:
        left = "Your continuing education hours are complete: apply to the board to renew."
    else:
        left = f"You still need {renewal.ce.remaining:g} hours of continuing education" + (
            f", {renewal.ethics.remaining:g} of them in ethics." if not renewal.ethics.complete else "."
        )
    return (
        f"Hello {user.display_name},\n\nYour {pathway.title} is due for renewal on {renewal.due_on:%-d %B %Y}, "
        f"in {renewal.days_left} days.\n\n{left}\n\nCourses you complete here count automatically; record "
        f"continuing education taken elsewhere, with its certificate, on your portfolio:\n{link}\n\n"
        f"{pathway.board.name} renews the credential: apply to it before the deadline.\n"
    )
