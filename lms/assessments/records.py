"""Read-side queries about attempts that other features need."""
from sqlalchemy import select

from .. import fastread
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


def peek_passed_in_module(user_id: int, module_slug: str) -> set[tuple[str, str]]:
    """passed_assessments, for one module, for a page view: one plain read (lms.fastread), outside
    the ORM session. Not for a request that writes: it would not see that request's own changes."""
    rows = fastread.all_rows("SELECT DISTINCT quiz_slug FROM attempt WHERE user_id = :user AND module_slug = :module "
                             "AND state = :state AND practice = :practice",
                             user=user_id, module=module_slug, state=PASSED, practice=False)
    return {(module_slug, quiz) for (quiz,) in rows}
