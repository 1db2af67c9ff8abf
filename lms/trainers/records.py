"""Read-side queries about overrides that module completion and attempt limits depend on."""
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from .models import Override


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
