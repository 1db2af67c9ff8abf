"""What other packages may ask about attempts (the assessments package's public reads)."""
from datetime import datetime

from sqlalchemy import bindparam, select

from ..database import read_all
from ..extensions import db
from .models import PASSED, PENDING, Attempt, AttemptState


def counts(state: str):
    """The one definition of an attempt that counts as `state` (passed, pending...) for a trainee: a real
    attempt, never a trainer's practice run. Every query about passes filters with it."""
    return (Attempt.state == state) & Attempt.practice.is_(False)


def passed_assessments(user_id: int, since: datetime | None = None) -> set[tuple[str, str]]:
    """(module slug, quiz slug) of every role-play the trainee has passed, on any version (after `since`)."""
    return _assessments_in_state(user_id, PASSED, since)


def pending_assessments(user_id: int) -> set[tuple[str, str]]:
    """(module slug, quiz slug) of every role-play with a written answer waiting for a trainer's grading."""
    return _assessments_in_state(user_id, PENDING)


def _assessments_in_state(user_id: int, state: str, since: datetime | None = None) -> set[tuple[str, str]]:
    stmt = select(Attempt.module_slug, Attempt.quiz_slug).where(Attempt.user_id == user_id, counts(state)).distinct()
    if since is not None:
        stmt = stmt.where(Attempt.finished_at > since)
    return {(m, q) for m, q in db.session.execute(stmt)}


def peek_passed_in_module(user_id: int, module_slug: str) -> set[tuple[str, str]]:
    """passed_assessments, for one module, for a page view: a hot read on the kept read connection,
    outside the ORM session. Not for a request that writes: it would not see that request's own changes."""
    return _peek_in_module(user_id, module_slug, PASSED)


def peek_pending_in_module(user_id: int, module_slug: str) -> set[tuple[str, str]]:
    """pending_assessments, for one module, for a page view (the same plain read as peek_passed_in_module)."""
    return _peek_in_module(user_id, module_slug, PENDING)


def _peek_in_module(user_id: int, module_slug: str, state: AttemptState) -> set[tuple[str, str]]:
    return {(module_slug, quiz) for (quiz,) in read_all(_IN_MODULE[state], user=user_id, module=module_slug)}


_IN_MODULE = {state: select(Attempt.quiz_slug).distinct().where(
    Attempt.user_id == bindparam("user"), Attempt.module_slug == bindparam("module"), counts(state))
    for state in (PASSED, PENDING)}


def attempts_of(user_id: int, newest_first: bool = False) -> list[Attempt]:
    """The trainee's attempts (practice runs included), oldest first unless asked otherwise."""
    order = Attempt.started_at.desc() if newest_first else Attempt.started_at
    return list(db.session.scalars(select(Attempt).where(Attempt.user_id == user_id).order_by(order)))
