"""Read-side queries about overrides that module completion and attempt limits depend on."""
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from .models import Attendance, Cohort, LiveSession, Override


def completed_by_override(user_id: int, since: datetime | None = None) -> frozenset[str]:
    """Modules a trainer recorded complete for this trainee (after `since`, for a renewal)."""
    stmt = select(Override.module_slug).where(Override.user_id == user_id, Override.kind == "module_complete")
    if since is not None:
        stmt = stmt.where(Override.created_at > since)
    return frozenset(db.session.scalars(stmt))


def grants(user_id: int, module_slug: str, quiz_slug: str) -> tuple[int, datetime | None]:
    """(extra attempts granted, when a retry wait was last lifted) for one role-play."""
    rows = db.session.execute(select(Override.kind, func.count(), func.max(Override.created_at)).where(
        Override.user_id == user_id, Override.module_slug == module_slug, Override.quiz_slug == quiz_slug,
        Override.kind.in_(("extra_attempt", "lift_wait"))).group_by(Override.kind)).all()
    found = {kind: (count, latest) for kind, count, latest in rows}
    return found.get("extra_attempt", (0, None))[0], found.get("lift_wait", (0, None))[1]


def live_minutes_attended(user_id: int) -> dict[str, dict[str, int]]:
    """Minutes of live sessions attended, per course and hours domain (sessions of that course's cohorts)."""
    rows = db.session.execute(
        select(Cohort.course_slug, LiveSession.domain, func.sum(LiveSession.minutes))
        .join(LiveSession, LiveSession.cohort_id == Cohort.id)
        .join(Attendance, Attendance.session_id == LiveSession.id)
        .where(Attendance.user_id == user_id)
        .group_by(Cohort.course_slug, LiveSession.domain))
    result: dict[str, dict[str, int]] = {}
    for course_slug, domain, minutes in rows:
        result.setdefault(course_slug, {})[domain] = int(minutes or 0)
    return result
