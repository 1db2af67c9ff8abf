"""A cohort's progress matrix (trainee x module) in a fixed number of queries, whatever its size."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..assessments.models import PASSED, PENDING, Attempt
from ..auth.models import User
from ..clock import utcnow
from ..cohorts.models import Attendance, CohortMember, LiveSession, Override, OverrideKind
from ..completion.api import COMPLETE, STATE_LABELS, WAITING, module_state
from ..content.catalog import Catalog, Course, Module
from ..extensions import db
from ..reading.models import LessonProgress


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
    member_ids = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
    progress = defaultdict(dict)
    for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id.in_(member_ids))):
        progress[row.user_id][row.module_slug] = row
    passed, waiting, last_attempt = defaultdict(set), defaultdict(set), {}
    for user_id, module_slug, quiz_slug, state in db.session.execute(
        select(Attempt.user_id, Attempt.module_slug, Attempt.quiz_slug, Attempt.state)
        .distinct()
        .where(Attempt.user_id.in_(member_ids), Attempt.state.in_((PASSED, PENDING)), Attempt.practice.is_(False))
    ):
        (passed if state == PASSED else waiting)[user_id].add((module_slug, quiz_slug))
    for user_id, latest in db.session.execute(
        select(Attempt.user_id, func.max(Attempt.started_at))
        .where(Attempt.user_id.in_(member_ids))
        .group_by(Attempt.user_id)
    ):
        last_attempt[user_id] = latest
    overridden = defaultdict(set)
    for user_id, module_slug in db.session.execute(
        select(Override.user_id, Override.module_slug).where(
            Override.user_id.in_(member_ids), Override.kind == OverrideKind.MODULE_COMPLETE
        )
    ):
        overridden[user_id].add(module_slug)
    live = dict(
        db.session.execute(
            select(Attendance.user_id, func.sum(LiveSession.minutes))
            .join(LiveSession, LiveSession.id == Attendance.session_id)
            .where(Attendance.user_id.in_(member_ids))
            .group_by(Attendance.user_id)
        ).all()
    )
    rows = []
    for user in users:
        mine = progress[user.id]
        row = TraineeRow(user, live_minutes=int(live.get(user.id) or 0))
        for module in modules:
            state = module_state(module, mine.get(module.slug), passed[user.id], frozenset(overridden[user.id]))
            if state != COMPLETE and any(m == module.slug for m, _ in waiting[user.id]):
                state = WAITING
            row.states.append(state)
        row.reading_seconds = sum(p.seconds_spent for p in mine.values())
        moments = [p.last_opened_at for p in mine.values()] + (
            [last_attempt[user.id]] if user.id in last_attempt else []
        )
        row.last_activity = max(moments, default=None)
        rows.append(row)
    return modules, rows


def inactive(rows: list[TraineeRow], days: int, now: datetime | None = None) -> list[TraineeRow]:
    """Trainees with no activity for `days` days (never active counts as inactive)."""
    now = now or utcnow()
    return [r for r in rows if r.last_activity is None or r.last_activity < now - timedelta(days=days)]
