"""Data retention: written answers are deleted a set time after grading; scores stay.

`flask --app lms data purge-answers` (run daily) applies WRITTEN_ANSWER_RETENTION_DAYS.
"""
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update

from . import audit
from .assessments.models import Attempt, AttemptStep
from .auth.models import utcnow
from .extensions import db

data_cli = AppGroup("data", help="Data retention and export.")
REMOVED = "[Deleted after the retention period. The score stands.]"


def purge_answers(now=None) -> int:
    """Blank written answers of attempts graded longer ago than the retention period; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"])
    old_attempts = select(Attempt.id).where(Attempt.graded_at.is_not(None), Attempt.graded_at < cutoff)
    result = db.session.execute(update(AttemptStep).where(
        AttemptStep.attempt_id.in_(old_attempts), AttemptStep.answer.is_not(None), AttemptStep.answer != REMOVED)
        .values(answer=REMOVED).execution_options(synchronize_session=False))
    if result.rowcount:
        audit.record("data.answers_purged", None, count=result.rowcount,
                     retention_days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"])
    return result.rowcount


@data_cli.command("purge-answers")
def purge_answers_command() -> None:
    """Delete written answers older than the retention period (scores stay); run daily."""
    count = purge_answers()
    db.session.commit()
    click.echo(f"Deleted {count} written answer(s) graded more than "
               f"{current_app.config['WRITTEN_ANSWER_RETENTION_DAYS']} days ago.")
