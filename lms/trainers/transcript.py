"""A trainee's transcript of hours per domain: lessons read, role-plays and live sessions.

A board audits these, so only time the app can stand behind is counted: reading time as recorded
(capped gaps between lesson requests), role-play time from start to finish (capped at an hour per
attempt), and live sessions with their recorded length and attendance.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..assessments.models import Attempt
from ..auth.models import utcnow
from ..courses.content import Catalog
from ..courses.models import LessonProgress
from ..extensions import db
from .models import Attendance, LiveSession

ROLE_PLAY_CAP_SECONDS = 3600


@dataclass(frozen=True)
class Entry:
    on: date
    kind: str  # lesson, role-play or live session
    title: str
    domain: str
    minutes: float


def module_domain(catalog: Catalog, module_slug: str) -> str:
    """The hours domain a module counts towards: its `domain:` front matter, else 'self-study'."""
    module = catalog.module(module_slug)
    return getattr(module, "domain", None) or "self-study"


def entries(catalog: Catalog, user_id: int) -> list[Entry]:
    result = []
    for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id,
                                                               LessonProgress.seconds_spent > 0)):
        module = catalog.module(row.module_slug)
        result.append(Entry((row.finished_at or row.last_opened_at).date(), "lesson",
                            module.title if module else row.module_slug, module_domain(catalog, row.module_slug),
                            round(row.seconds_spent / 60, 1)))
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user_id, Attempt.finished_at.is_not(None),
                                                            Attempt.practice.is_(False))):
        module = catalog.module(attempt.module_slug)
        quiz = module.assessment(attempt.quiz_slug) if module else None
        seconds = min((attempt.finished_at - attempt.started_at).total_seconds(), ROLE_PLAY_CAP_SECONDS)
        result.append(Entry(attempt.finished_at.date(), "role-play", quiz.title if quiz else attempt.quiz_slug,
                            module_domain(catalog, attempt.module_slug), round(max(seconds, 0) / 60, 1)))
    for session in db.session.scalars(select(LiveSession).join(Attendance, Attendance.session_id == LiveSession.id)
                                      .where(Attendance.user_id == user_id)):
        result.append(Entry(session.held_on, "live session", session.title, session.domain, float(session.minutes)))
    return sorted(result, key=lambda e: (e.on, e.kind, e.title))


def totals(items: list[Entry]) -> dict[str, float]:
    """Hours per domain, rounded to a tenth."""
    hours: dict[str, float] = {}
    for item in items:
        hours[item.domain] = hours.get(item.domain, 0) + item.minutes / 60
    return {domain: round(h, 1) for domain, h in sorted(hours.items())}


def generated_at() -> str:
    return utcnow().strftime("%Y-%m-%d %H:%M UTC")
