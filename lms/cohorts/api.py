"""Overrides and live sessions: what trainers record (each audited) and the reads that completion and
attempt limits depend on."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import exists, func, select

from .. import audit
from ..auth.models import User
from ..content.catalog import Catalog
from ..extensions import db
from .models import Attendance, Cohort, CohortMember, LiveSession, Override, OverrideKind


def completed_by_override(user_id: int, since: datetime | None = None) -> frozenset[str]:
    """Modules a trainer recorded complete for this trainee (after `since`, for a renewal)."""
    return frozenset(completed_by_override_of([user_id], since)[user_id])


def completed_by_override_of(user_ids: Iterable[int], since: datetime | None = None) -> defaultdict[int, set[str]]:
    """completed_by_override for many trainees, in one query."""
    stmt = select(Override.user_id, Override.module_slug).where(
        Override.user_id.in_(list(user_ids)), Override.kind == OverrideKind.MODULE_COMPLETE
    )
    if since is not None:
        stmt = stmt.where(Override.created_at > since)
    found: defaultdict[int, set[str]] = defaultdict(set)
    for user_id, module_slug in db.session.execute(stmt):
        found[user_id].add(module_slug)
    return found


def grants(user_id: int, module_slug: str, quiz_slug: str) -> tuple[int, datetime | None]:
    """(extra attempts granted, when a retry wait was last lifted) for one role-play."""
    rows = db.session.execute(
        select(Override.kind, func.count(), func.max(Override.created_at))
        .where(
            Override.user_id == user_id,
            Override.module_slug == module_slug,
            Override.quiz_slug == quiz_slug,
            Override.kind.in_((OverrideKind.EXTRA_ATTEMPT, OverrideKind.LIFT_WAIT)),
        )
        .group_by(Override.kind)
    ).all()
    found = {kind: (count, latest) for kind, count, latest in rows}
    return found.get(OverrideKind.EXTRA_ATTEMPT, (0, None))[0], found.get(OverrideKind.LIFT_WAIT, (0, None))[1]


def live_minutes_attended(user_id: int) -> dict[str, dict[str, int]]:
    """Minutes of live sessions attended, per course and hours domain (sessions of that course's cohorts)."""
    return live_minutes_attended_of([user_id])[user_id]


def live_minutes_attended_of(user_ids: Iterable[int]) -> defaultdict[int, dict[str, dict[str, int]]]:
    """live_minutes_attended for many trainees, in one query."""
    rows = db.session.execute(
        select(Attendance.user_id, Cohort.course_slug, LiveSession.domain, func.sum(LiveSession.minutes))
        .join(LiveSession, LiveSession.cohort_id == Cohort.id)
        .join(Attendance, Attendance.session_id == LiveSession.id)
        .where(Attendance.user_id.in_(list(user_ids)))
        .group_by(Attendance.user_id, Cohort.course_slug, LiveSession.domain)
    )
    found: defaultdict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for user_id, course_slug, domain, minutes in rows:
        found[user_id].setdefault(course_slug, {})[domain] = int(minutes or 0)
    return found


KINDS = {
    OverrideKind.EXTRA_ATTEMPT: "an extra attempt",
    OverrideKind.LIFT_WAIT: "the wait before the next attempt lifted",
    OverrideKind.MODULE_COMPLETE: "the module recorded as complete",
}


class OverrideError(Exception):
    """An override that does not make sense, in words for the trainer."""


class SessionError(Exception):
    """A live session that cannot be recorded, in words for the trainer."""


def add_override(
    catalog: Catalog, trainee_id: int, kind: str, module_slug: str, quiz_slug: str | None, reason: str, actor_id: int
) -> Override:
    module = catalog.module(module_slug)
    if kind not in KINDS or module is None:
        raise OverrideError("Choose a module (and a role-play) for the override.")
    if kind != OverrideKind.MODULE_COMPLETE and module.assessment(quiz_slug or "") is None:
        raise OverrideError("Choose which role-play the override is for.")
    if not (reason or "").strip():
        raise OverrideError("Please give a reason: it is kept in the audit log.")
    override = Override(
        user_id=trainee_id,
        kind=kind,
        module_slug=module_slug,
        quiz_slug=quiz_slug if kind != OverrideKind.MODULE_COMPLETE else None,
        reason=reason.strip(),
        created_by_id=actor_id,
    )
    db.session.add(override)
    audit.record(
        f"override.{kind}",
        f"user:{trainee_id}",
        actor_id=actor_id,
        module=module_slug,
        quiz=quiz_slug,
        reason=reason.strip(),
    )
    return override


def record_session(
    cohort: Cohort,
    title: str,
    held_on: date,
    minutes: int,
    domain: str,
    attendee_ids: list[int],
    member_ids: set[int],
    actor_id: int,
) -> LiveSession:
    if minutes <= 0 or minutes > 16 * 60:
        raise SessionError("A session lasts between 1 minute and 16 hours.")
    strangers = set(attendee_ids) - member_ids
    if strangers:
        raise SessionError("Attendance can only be recorded for trainees in this cohort.")
    session = LiveSession(
        cohort_id=cohort.id,
        title=title.strip(),
        held_on=held_on,
        minutes=minutes,
        domain=domain,
        recorded_by_id=actor_id,
    )
    db.session.add(session)
    db.session.flush()
    for user_id in sorted(set(attendee_ids)):
        db.session.add(Attendance(session_id=session.id, user_id=user_id))
    audit.record(
        "live_session.recorded",
        f"cohort:{cohort.id}",
        actor_id=actor_id,
        session=session.id,
        minutes=minutes,
        domain=domain,
        attendees=len(set(attendee_ids)),
    )
    return session


def overrides_of(user_id: int) -> list[Override]:
    """A trainee's overrides, newest first."""
    return list(
        db.session.scalars(select(Override).where(Override.user_id == user_id).order_by(Override.created_at.desc()))
    )


def cohorts_of(user_id: int) -> list[Cohort]:
    """The cohorts a trainee belongs to."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user_id)
        )
    )


def unassigned_trainees(limit: int = 200) -> list[User]:
    """Trainees in no cohort (only admins see them), by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == "trainee", ~exists().where(CohortMember.user_id == User.id))
            .order_by(User.display_name)
            .limit(limit)
        )
    )
