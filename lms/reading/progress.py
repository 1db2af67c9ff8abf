"""A trainee's reading of each lesson: time credited and the lesson finished. Operations flush, never commit."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..database import read_one
from ..extensions import db
from ..content.catalog import Course, Module
from .models import LessonProgress

def _get(user_id: int, module_slug: str) -> LessonProgress | None:
    # FOR UPDATE: two requests adding reading time to the same row must not overwrite each other
    # (PostgreSQL at READ COMMITTED would lose one; SQLite's BEGIN IMMEDIATE already serialises them).
    return read_progress(user_id, module_slug, lock=True)


def _get_or_create(user_id: int, course: Course, module: Module) -> LessonProgress:
    row = _get(user_id, module.slug)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LessonProgress(user_id=user_id, module_slug=module.slug, course_slug=course.slug,
                                 module_fingerprint=module.fingerprint)
            db.session.add(row)
    except IntegrityError:
        # A second tab opened the lesson at the same moment: use its row.
        found = _get(user_id, module.slug)
        if found is None:
            raise
        row = found
    return row


def credit_time(row: LessonProgress, module: Module) -> None:
    """Credit the time since the last request for this lesson as reading time.

    A gap longer than the cap (twice the lesson's estimate, at least LESSON_IDLE_CAP_MINUTES) is a
    trainee who left, not one who read, so it is not credited: hours must stand up to an audit.
    """
    now = utcnow()
    cap = max(current_app.config["LESSON_IDLE_CAP_MINUTES"], 2 * module.minutes) * 60
    gap = (now - row.last_opened_at).total_seconds()
    if 0 < gap <= cap:
        row.seconds_spent += int(gap)
    row.last_opened_at = now


#: a view this soon after the last one (a refresh, a jump to a heading) changes nothing worth writing:
#: the time until the next recorded request is credited to the earlier view instead
QUIET_SECONDS = 60


def view_needs_write(row: "LessonProgress | ProgressSnapshot | None", course: Course, module: Module) -> bool:
    if row is None or row.course_slug != course.slug or row.module_fingerprint != module.fingerprint:
        return True
    return (utcnow() - row.last_opened_at).total_seconds() >= QUIET_SECONDS


def read_progress(user_id: int, module_slug: str, lock: bool = False) -> LessonProgress | None:
    """A trainee's row for one lesson; unlocked for the read-only path of a lesson view."""
    stmt = select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.module_slug == module_slug)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


@dataclass(frozen=True)
class ProgressSnapshot:
    """What a lesson page shows of a LessonProgress row (a hot read, not an ORM load)."""

    course_slug: str
    module_fingerprint: str
    last_opened_at: datetime
    finished_at: datetime | None
    seconds_spent: int


_PROGRESS = LessonProgress.__table__
_SNAPSHOT = select(_PROGRESS.c.course_slug, _PROGRESS.c.module_fingerprint, _PROGRESS.c.last_opened_at,
                   _PROGRESS.c.finished_at, _PROGRESS.c.seconds_spent).where(
    _PROGRESS.c.user_id == bindparam("user"), _PROGRESS.c.module_slug == bindparam("module"))


def peek_progress(user_id: int, module_slug: str) -> ProgressSnapshot | None:
    """read_progress for a page view, as a snapshot (a hot read on the kept read connection)."""
    row = read_one(_SNAPSHOT, user=user_id, module=module_slug)
    return ProgressSnapshot(**row._mapping) if row is not None else None


def open_lesson(user_id: int, course: Course, module: Module) -> LessonProgress:
    """Record a lesson view (the one GET that writes)."""
    row = _get_or_create(user_id, course, module)
    credit_time(row, module)
    row.course_slug = course.slug
    row.module_fingerprint = module.fingerprint
    return row


def finish_lesson(user_id: int, course: Course, module: Module) -> tuple[LessonProgress, bool]:
    """Mark the lesson read; idempotent. Returns (row, True if this call finished it)."""
    row = _get_or_create(user_id, course, module)
    if row.finished_at is not None:
        return row, False
    credit_time(row, module)
    row.finished_at = utcnow()
    row.course_slug = course.slug
    return row, True


def progress_rows(user_id: int) -> dict[str, LessonProgress]:
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id))
    return {r.module_slug: r for r in rows}
