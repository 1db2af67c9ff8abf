"""Data retention: written answers and graders' comments are deleted after a set time; scores stay.

`flask --app lms data purge-answers` (run daily) applies WRITTEN_ANSWER_RETENTION_DAYS to every written
answer, whatever became of its attempt: graded ones count from grading, and answers in attempts that
were never graded (still open, abandoned, or waiting for a trainer) count from when they were written.
A trainee's unsent draft counts from when its attempt started.
"""
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import and_, or_, select, update

from . import audit
from .assessments.models import Attempt, AttemptStep
from .auth.models import utcnow
from .database import wipe_freed_pages
from .extensions import db

data_cli = AppGroup("data", help="Data retention and export.")
REMOVED = "[Deleted after the retention period. The score stands.]"


def purge_answers(now=None) -> tuple[int, int]:
    """Blank written answers and graders' comments older than the retention period; returns (answers, comments)."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"])
    graded_long_ago = select(Attempt.id).where(Attempt.graded_at.is_not(None), Attempt.graded_at < cutoff)
    never_graded = select(Attempt.id).where(Attempt.graded_at.is_(None))
    answers = db.session.execute(update(AttemptStep).where(
        AttemptStep.answer.is_not(None), AttemptStep.answer != REMOVED,
        or_(AttemptStep.attempt_id.in_(graded_long_ago),
            and_(AttemptStep.attempt_id.in_(never_graded), AttemptStep.created_at < cutoff)))
        .values(answer=REMOVED).execution_options(synchronize_session=False)).rowcount
    # An unsent draft lives on its open attempt: it goes once the attempt is older than the retention period
    # (and, should one outlive its attempt, at once).
    drafts = db.session.execute(update(Attempt).where(
        Attempt.draft.is_not(None), or_(Attempt.state != "open", Attempt.started_at < cutoff))
        .values(draft=None).execution_options(synchronize_session=False)).rowcount
    answers += drafts
    # A comment often quotes the answer it grades.
    comments = db.session.execute(update(Attempt).where(
        Attempt.graded_at < cutoff, Attempt.grader_comment.is_not(None), Attempt.grader_comment != REMOVED)
        .values(grader_comment=REMOVED).execution_options(synchronize_session=False)).rowcount
    if answers or comments:
        audit.record("data.answers_purged", None, count=answers, drafts=drafts, comments=comments,
                     retention_days=current_app.config["WRITTEN_ANSWER_RETENTION_DAYS"])
    return answers, comments


@data_cli.command("purge-answers")
def purge_answers_command() -> None:
    """Delete written answers and graders' comments older than the retention period (scores stay); run daily."""
    answers, comments = purge_answers()
    db.session.commit()
    wipe_freed_pages()  # the old text leaves the database file's free space and write-ahead log too
    click.echo(f"Deleted {answers} written answer(s) and {comments} grader comment(s) older than "
               f"{current_app.config['WRITTEN_ANSWER_RETENTION_DAYS']} days.")
