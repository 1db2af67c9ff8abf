"""A cohort's progress matrix (trainee x module) in a fixed number of queries, whatever its size."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..assessments.models import Attempt
from ..auth.models import User
from ..clock import utcnow
from ..cohorts.models import CohortMember
from ..completion.api import COMPLETE, STATE_LABELS, WAITING, learners, module_state
from ..content.catalog import Catalog, Course, Module
from ..extensions import db


@dataclass
class TraineeRow:
    user: User
    states: list[str] = field(default_factory=list)
    reading_seconds: int = 0
    live_minutes: int = 0
    last_activity: datetime | None = None

    @property
    def complete(self) -> int:
        return sum(1 for s in self.states if s == COMPLETE)

    def inactive_for(self, now: datetime) -> int | None:
        return None if self.last_activity is None else (now - self.last_activity).days


def state_label(state: str) -> str:
    return "Waiting for grading" if state == WAITING else STATE_LABELS[state]


def cohort_matrix(catalog: Catalog, course: Course, cohort_id: int) -> tuple[list[Module], list[TraineeRow]]:
    modules = catalog.course_modules(course, include_drafts=False)
    users = list(
        db.session.scalars(
            select(User)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id)
            .order_by(User.display_name, User.id)
        )
    )
    ids = [u.id for u in users]
    if not ids:
        return modules, []
    records = learners(ids)  # the same record each trainee's own pages read, for the whole cohort at once
    last_attempt = dict(
        db.session.execute(
            select(Attempt.user_id, func.max(Attempt.started_at))
            .where(Attempt.user_id.in_(ids))
            .group_by(Attempt.user_id)
        ).all()
    )
    rows = []
    for user in users:
        record = records[user.id]
        minutes = sum(sum(domains.values()) for domains in record.attended.values())
        row = TraineeRow(user, live_minutes=minutes)
        for module in modules:
            state = module_state(module, record.lessons.get(module.slug), record.passed, record.overridden)
            # For a trainer, a module with any answer waiting for grading is theirs to act on.
            if state != COMPLETE and any(m == module.slug for m, _ in record.waiting):
                state = WAITING
            row.states.append(state)
        row.reading_seconds = sum(p.seconds_spent for p in record.lessons.values())
        moments = [p.last_opened_at for p in record.lessons.values()] + (
            [last_attempt[user.id]] if user.id in last_attempt else []
        )
        row.last_activity = max(moments, default=None)
        rows.append(row)
    return modules, rows


def inactive(rows: list[TraineeRow], days: int, now: datetime | None = None) -> list[TraineeRow]:
    """Trainees with no activity for `days` days (never active counts as inactive)."""
    now = now or utcnow()
    return [r for r in rows if r.last_activity is None or r.last_activity < now - timedelta(days=days)]
