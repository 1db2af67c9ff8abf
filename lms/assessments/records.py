"""Read-side queries about attempts that other features need."""
from sqlalchemy import select

from ..extensions import db
from .models import PASSED, Attempt


def passed_assessments(user_id: int) -> set[tuple[str, str]]:
    """(module slug, quiz slug) of every role-play the trainee has passed, on any version."""
    rows = db.session.execute(
        select(Attempt.module_slug, Attempt.quiz_slug)
        .where(Attempt.user_id == user_id, Attempt.state == PASSED, Attempt.practice.is_(False))
        .distinct()
    )
    return {(m, q) for m, q in rows}


def peek_passed_assessments(user_id: int) -> set[tuple[str, str]]:
    """passed_assessments for a page view: one plain read (lms.fastread), outside the ORM session.
    Not for a request that writes: it would not see that request's own changes."""
    from .. import fastread

    rows = fastread.all_rows("SELECT DISTINCT module_slug, quiz_slug FROM attempt "
                             "WHERE user_id = :user AND state = :state AND practice = :practice",
                             user=user_id, state=PASSED, practice=False)
    return {(m, q) for m, q in rows}
