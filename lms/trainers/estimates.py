"""How long trainees really take on each module, beside the minutes its author declared.

A module's `minutes` back the hours a certificate credits, so trainers need to see whether the
estimate is honest. Time on a module is the lesson's reading time (already capped per visit) plus the
time between answers in its role-plays, each gap capped the same way, so a tab left open overnight
does not count as study.
"""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from sqlalchemy import select

from ..assessments.models import Attempt, AttemptStep
from ..content.catalog import Catalog, Module
from ..extensions import db
from ..reading.models import LessonProgress

#: below this many trainees a median would describe individuals, so it is not shown
MIN_TRAINEES = 5


@dataclass(frozen=True)
class ModuleTime:
    module: Module
    #: trainees who have read the lesson to the end
    trainees: int
    #: median minutes spent (lesson plus role-plays); None below MIN_TRAINEES
    median_minutes: float | None


def module_times(catalog: Catalog, idle_cap: timedelta) -> list[ModuleTime]:
    """Declared minutes beside the median real time, for every module in the catalog."""
    spent: dict[tuple[int, str], float] = {}
    for user_id, module_slug, seconds in db.session.execute(
        select(LessonProgress.user_id, LessonProgress.module_slug, LessonProgress.seconds_spent).where(
            LessonProgress.finished_at.is_not(None)
        )
    ):
        spent[(user_id, module_slug)] = float(seconds or 0)
    previous: dict[int, object] = {}
    for attempt_id, user_id, module_slug, started_at, answered_at in db.session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.module_slug, Attempt.started_at, AttemptStep.created_at)
        .join(AttemptStep, AttemptStep.attempt_id == Attempt.id)
        .where(Attempt.practice.is_(False))
        .order_by(Attempt.id, AttemptStep.position)
    ):
        if (user_id, module_slug) not in spent:
            continue  # only trainees who finished the lesson are counted
        since = previous.get(attempt_id, started_at)
        spent[(user_id, module_slug)] += min(answered_at - since, idle_cap).total_seconds()
        previous[attempt_id] = answered_at
    by_module: dict[str, list[float]] = {}
    for (_, module_slug), seconds in spent.items():
        by_module.setdefault(module_slug, []).append(seconds / 60)
    result = []
    for module in catalog.modules.values():
        minutes = by_module.get(module.slug, [])
        result.append(ModuleTime(module, len(minutes), median(minutes) if len(minutes) >= MIN_TRAINEES else None))
    return result
