"""A trainee's reading of each lesson: time credited and the lesson finished. Operations flush, never commit."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..content.catalog import Course, Module
from ..database import read_one
from ..extensions import db
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
            row = LessonProgress(
                user_id=user_id, module_slug=module.slug, course_slug=course.slug, module_fingerprint=module.fingerprint
            )
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


def view_needs_write(
    row: "LessonProgress | ProgressSnapshot | None", course: Course, module: Module, section: int | None = None
) -> bool:
    """Whether a lesson view must be recorded: a first view, another course or version, a move to
    another section (`section` None: the lesson's own address, which keeps the place), or time passed."""
    if row is None or row.course_slug != course.slug or row.module_fingerprint != module.fingerprint:
        return True
    if section is not None and row.section != section:
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
    section: int | None = None


_PROGRESS = LessonProgress.__table__
_SNAPSHOT = select(
    _PROGRESS.c.course_slug,
    _PROGRESS.c.module_fingerprint,
    _PROGRESS.c.last_opened_at,
    _PROGRESS.c.finished_at,
    _PROGRESS.c.seconds_spent,
    _PROGRESS.c.section,
).where(_PROGRESS.c.user_id == bindparam("user"), _PROGRESS.c.module_slug == bindparam("module"))


def peek_progress(user_id: int, module_slug: str) -> ProgressSnapshot | None:
    """read_progress for a page view, as a snapshot (a hot read on the kept read connection)."""
    row = read_one(_SNAPSHOT, user=user_id, module=module_slug)
    return ProgressSnapshot(*row) if row is not None else None  # the select's columns are the fields, in order


def open_lesson(user_id: int, course: Course, module: Module, section: int | None = None) -> LessonProgress:
    """Record a lesson view (the one GET that writes); `section` None is the lesson's own address, which
    keeps the section last opened (section 1 on a first visit)."""
    row = _get_or_create(user_id, course, module)
    credit_time(row, module)
    row.course_slug = course.slug
    row.module_fingerprint = module.fingerprint
    if section is not None or row.section is None:
        row.section = section or 1
    return row


def resume_section(row: "LessonProgress | ProgressSnapshot | None", module: Module) -> int:
    """The section to continue a lesson at: the last one opened, if the lesson still has it."""
    section = row.section if row is not None else None
    return section if section and section <= module.section_count else 1


def reached_end(row: LessonProgress, module: Module) -> bool:
    """Whether the trainee has opened the lesson's last section (a one-page lesson: opened it at all)."""
    return (row.section or 1) >= module.section_count


class NotReadToTheEnd(Exception):
    """Finishing a lesson whose last section the trainee has not opened."""


def finish_lesson(user_id: int, course: Course, module: Module) -> tuple[LessonProgress, bool]:
    """Mark the lesson read, once its last section has been opened; idempotent. Returns (row, True if
    this call finished it); raises NotReadToTheEnd before that."""
    row = _get_or_create(user_id, course, module)
    if row.finished_at is not None:
        return row, False
    if not reached_end(row, module):
        raise NotReadToTheEnd()
    credit_time(row, module)
    row.finished_at = utcnow()
    row.course_slug = course.slug
    return row, True


def progress_rows(user_id: int) -> dict[str, LessonProgress]:
    """The trainee's lessons: module slug -> progress row."""
    return progress_rows_of([user_id])[user_id]


def progress_rows_of(user_ids: Iterable[int]) -> defaultdict[int, dict[str, LessonProgress]]:
    """progress_rows for many trainees, in one query."""
    found: defaultdict[int, dict[str, LessonProgress]] = defaultdict(dict)
    for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id.in_(list(user_ids)))):
        found[row.user_id][row.module_slug] = row
    return found
