"""Reading progress and module/course completion. Views call these; they flush, never commit."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import fastread
from ..auth.models import utcnow
from ..extensions import db
from .content import Catalog, Course, Module
from .models import LessonProgress

NOT_STARTED, READING, ASSESSMENT, COMPLETE = "not-started", "reading", "assessment", "complete"
#: read, and every role-play still to pass has a written answer with a trainer: nothing for the trainee to do
WAITING = "waiting"
STATE_LABELS = {
    NOT_STARTED: "Not started",
    READING: "Reading",
    ASSESSMENT: "Role-play to pass",
    WAITING: "Waiting for your trainer's grading",
    COMPLETE: "Complete",
}


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    state: str
    progress: LessonProgress | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class LiveProgress:
    """Live (trainer-led) hours a course requires in one domain, and the minutes attended so far."""

    domain: str
    required_minutes: int
    attended_minutes: int

    @property
    def met(self) -> bool:
        return self.attended_minutes >= self.required_minutes

    @property
    def label(self) -> str:
        """'4 of 8 live ethics hours attended'."""
        return (f"{_hours(self.attended_minutes)} of {_hours(self.required_minutes)} live "
                f"{self.domain.replace('-', ' ')} hours attended")


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class CourseStatus:
    course: Course
    modules: tuple[ModuleStatus, ...]
    #: one entry per domain of the course's `live` hours
    live: tuple[LiveProgress, ...] = ()

    @property
    def complete_count(self) -> int:
        return sum(1 for m in self.modules if m.state == COMPLETE)

    @property
    def percent(self) -> int:
        return round(100 * self.complete_count / len(self.modules)) if self.modules else 0

    @property
    def started(self) -> bool:
        return any(m.state != NOT_STARTED for m in self.modules)

    @property
    def modules_complete(self) -> bool:
        return bool(self.modules) and self.complete_count == len(self.modules)

    @property
    def live_missing(self) -> tuple[LiveProgress, ...]:
        return tuple(item for item in self.live if not item.met)

    @property
    def complete(self) -> bool:
        """Every module complete and every domain's live hours attended."""
        return self.modules_complete and not self.live_missing

    @property
    def next_module(self) -> Module | None:
        """The first module the trainee can act on (not one waiting for a trainer)."""
        return next((m.module for m in self.modules if m.state not in (COMPLETE, WAITING)), None)

    @property
    def waiting(self) -> tuple[Module, ...]:
        """Modules whose written answers are with a trainer."""
        return tuple(m.module for m in self.modules if m.state == WAITING)

    @property
    def seconds_spent(self) -> int:
        return sum(m.progress.seconds_spent for m in self.modules if m.progress)


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
        row = _get(user_id, module.slug)
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


def view_needs_write(row: "LessonProgress | ProgressSnapshot | None", course: Course, module: Module,
                     section: int | None = None) -> bool:
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
    """What a lesson page shows of a LessonProgress row, read without the ORM."""

    course_slug: str
    module_fingerprint: str
    last_opened_at: datetime
    finished_at: datetime | None
    seconds_spent: int
    section: int | None = None


def peek_progress(user_id: int, module_slug: str) -> ProgressSnapshot | None:
    """read_progress for a page view: one plain read (lms.fastread) rather than an ORM load."""
    row = fastread.one("SELECT course_slug, module_fingerprint, last_opened_at, finished_at, seconds_spent, section "
                       "FROM lesson_progress WHERE user_id = :user AND module_slug = :module",
                       user=user_id, module=module_slug)
    if row is None:
        return None
    return ProgressSnapshot(row[0], row[1], fastread.timestamp(row[2]), fastread.timestamp(row[3]), row[4], row[5])


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


def learner(user_id: int) -> tuple[dict, set, frozenset, dict]:
    """Everything course completion depends on: lessons read, role-plays passed, modules completed by a
    trainer, and live minutes attended per course and domain."""
    from ..assessments.records import passed_assessments
    from ..trainers.records import completed_by_override, live_minutes_attended

    return progress_rows(user_id), passed_assessments(user_id), completed_by_override(user_id), live_minutes_attended(user_id)


def progress_rows(user_id: int) -> dict[str, LessonProgress]:
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id))
    return {r.module_slug: r for r in rows}


def module_state(module: Module, row: LessonProgress | None, passed: set[tuple[str, str]],
                 overridden: frozenset[str] = frozenset(), waiting: set[tuple[str, str]] = frozenset()) -> str:
    """A module is complete when its lesson is read and every required assessment passed
    (or a trainer recorded it complete, e.g. done in class); waiting when each one left is with a trainer."""
    if module.slug in overridden:
        return COMPLETE
    if row is None:
        return NOT_STARTED
    if row.finished_at is None:
        return READING
    left = [q for q in module.required_assessments if (module.slug, q.slug) not in passed]
    if not left:
        return COMPLETE
    return WAITING if all((module.slug, q.slug) in waiting for q in left) else ASSESSMENT


def course_status(catalog: Catalog, course: Course, rows: dict, passed: set,
                  overridden: frozenset[str] = frozenset(), attended: dict | None = None,
                  waiting: set[tuple[str, str]] = frozenset()) -> CourseStatus:
    """Where a trainee stands in a course; `attended` maps course slug -> domain -> live minutes,
    `waiting` holds the role-plays with a written answer a trainer has not graded yet."""
    # A draft module is hidden from trainees, so it cannot be required of them yet.
    modules = tuple(ModuleStatus(m, module_state(m, rows.get(m.slug), passed, overridden, waiting), rows.get(m.slug))
                    for m in catalog.course_modules(course, include_drafts=False))
    minutes = (attended or {}).get(course.slug, {})
    live = tuple(LiveProgress(domain, round(hours * 60), minutes.get(domain, 0)) for domain, hours in course.live.items())
    return CourseStatus(course, modules, live)


def duration(seconds: int) -> str:
    """'1 h 5 min' for a person, not a number of seconds."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"

