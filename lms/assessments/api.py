"""What other packages may ask about attempts (the assessments package's public reads)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, bindparam, func, or_, select

from ..database import read_all
from ..extensions import db
from .models import OPEN, PASSED, PENDING, Attempt, AttemptStep


def counts(state: str):
    """The one definition of an attempt that counts as `state` (passed, pending...) for a trainee: a real
    attempt, never a trainer's practice run. Every query about passes filters with it."""
    return (Attempt.state == state) & Attempt.practice.is_(False)


def passed_assessments(user_id: int, since: datetime | None = None) -> set[tuple[str, str]]:
    """(module slug, quiz slug) of every role-play the trainee has passed, on any version (after `since`)."""
    return assessments_in_state([user_id], PASSED, since)[user_id]


def pending_assessments(user_id: int) -> set[tuple[str, str]]:
    """(module slug, quiz slug) of every role-play with a written answer waiting for a trainer's grading."""
    return assessments_in_state([user_id], PENDING)[user_id]


def assessments_in_state(
    user_ids: Iterable[int], state: str, since: datetime | None = None
) -> defaultdict[int, set[tuple[str, str]]]:
    """For each trainee: (module slug, quiz slug) of the role-plays in `state` (finished after `since`), in one query."""
    stmt = (
        select(Attempt.user_id, Attempt.module_slug, Attempt.quiz_slug)
        .where(Attempt.user_id.in_(list(user_ids)), counts(state))
        .distinct()
    )
    if since is not None:
        stmt = stmt.where(Attempt.finished_at > since)
    found: defaultdict[int, set[tuple[str, str]]] = defaultdict(set)
    for user_id, module_slug, quiz_slug in db.session.execute(stmt):
        found[user_id].add((module_slug, quiz_slug))
    return found


@dataclass(frozen=True)
class ModuleAttempts:
    """A trainee's role-plays in one module, as a lesson page shows them."""

    #: (module slug, quiz slug) passed, and with a written answer waiting for a trainer
    passed: set[tuple[str, str]]
    pending: set[tuple[str, str]]
    #: quiz slug -> id of the attempt in progress
    open: dict[str, int]


_IN_MODULE = select(Attempt.quiz_slug, Attempt.state, Attempt.id).where(
    Attempt.user_id == bindparam("user"),
    Attempt.module_slug == bindparam("module"),
    Attempt.practice.is_(False),
    # Three comparisons rather than IN (...): an IN list is expanded into the SQL on every execution.
    or_(*(Attempt.state == state for state in (PASSED, PENDING, OPEN))),
)


def peek_module_attempts(user_id: int, module_slug: str) -> ModuleAttempts:
    """Passed, pending and open role-plays of one module for a page view: a hot read on the kept read
    connection, outside the ORM session. Not for a request that writes: it would not see its own changes."""
    rows = read_all(_IN_MODULE, user=user_id, module=module_slug)
    return ModuleAttempts(
        passed={(module_slug, q) for q, state, _ in rows if state == PASSED},
        pending={(module_slug, q) for q, state, _ in rows if state == PENDING},
        open={q: attempt_id for q, state, attempt_id in rows if state == OPEN},
    )


@dataclass(frozen=True)
class OpenAttempt:
    """A role-play the trainee started and has not finished, for "Continue"."""

    id: int
    course_slug: str
    module_slug: str
    quiz_slug: str
    #: scenes answered so far
    steps: int
    #: the last answer, or the start
    last_active_at: datetime


def open_attempts(user_id: int) -> list[OpenAttempt]:
    """The trainee's role-plays in progress (not a trainer's practice), the most recently active first."""
    last = func.coalesce(func.max(AttemptStep.created_at), Attempt.started_at, type_=DateTime)
    rows = db.session.execute(
        select(
            Attempt.id, Attempt.course_slug, Attempt.module_slug, Attempt.quiz_slug, func.count(AttemptStep.id), last
        )
        .outerjoin(AttemptStep, AttemptStep.attempt_id == Attempt.id)
        .where(Attempt.user_id == user_id, counts(OPEN))
        .group_by(Attempt.id, Attempt.course_slug, Attempt.module_slug, Attempt.quiz_slug, Attempt.started_at)
    )
    attempts = [OpenAttempt(*row) for row in rows]
    return sorted(attempts, key=lambda a: a.last_active_at, reverse=True)


def attempts_of(user_id: int, newest_first: bool = False) -> list[Attempt]:
    """The trainee's attempts (practice runs included), oldest first unless asked otherwise."""
    order = Attempt.started_at.desc() if newest_first else Attempt.started_at
    return list(db.session.scalars(select(Attempt).where(Attempt.user_id == user_id).order_by(order)))
