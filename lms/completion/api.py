"""Where a trainee stands: each module's state and each course's status, from the records below.

One question, answered here only: is this module complete? Its lesson read, every required role-play
passed (or a trainer recorded the module complete), and, for a course, the live hours each domain
requires attended. Certificates, the dashboard and trainers' pages all ask `learner` and
`course_status`; nothing else recomputes it.
"""

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..assessments.api import OpenAttempt, assessments_in_state
from ..assessments.models import PASSED, PENDING
from ..cohorts.api import completed_by_override_of, live_minutes_attended_of
from ..content.catalog import Catalog, Course, Module
from ..reading.models import LessonProgress
from ..reading.progress import progress_rows_of, resume_section


class ModuleState(StrEnum):
    NOT_STARTED = "not-started"
    READING = "reading"
    #: read, with a role-play still to pass
    ASSESSMENT = "assessment"
    #: read, and every role-play still to pass has a written answer with a trainer: nothing for the trainee to do
    WAITING = "waiting"
    COMPLETE = "complete"


NOT_STARTED, READING, ASSESSMENT, WAITING, COMPLETE = ModuleState
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
    state: ModuleState
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
        return (
            f"{_hours(self.attended_minutes)} of {_hours(self.required_minutes)} live "
            f"{self.domain.replace('-', ' ')} hours attended"
        )


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


@dataclass(frozen=True)
class LearnerRecord:
    """Everything completion depends on, for one trainee."""

    #: module slug -> the trainee's reading of that lesson
    lessons: dict[str, LessonProgress]
    #: (module slug, role-play slug) passed
    passed: frozenset[tuple[str, str]]
    #: modules a trainer recorded complete
    overridden: frozenset[str]
    #: course slug -> domain -> live minutes attended
    attended: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (module slug, role-play slug) with a written answer a trainer has not graded yet
    waiting: frozenset[tuple[str, str]] = frozenset()


def learner(user_id: int, since: datetime | None = None) -> LearnerRecord:
    """The trainee's record; with `since` (a renewal), only passes and overrides after that moment count."""
    return learners([user_id], since)[user_id]


def learners(user_ids: Iterable[int], since: datetime | None = None) -> dict[int, LearnerRecord]:
    """learner() for many trainees, in five queries whatever their number (a publication's impact on everyone)."""
    ids = list(user_ids)
    lessons, passed = progress_rows_of(ids), assessments_in_state(ids, PASSED, since)
    overridden, attended = completed_by_override_of(ids, since), live_minutes_attended_of(ids)
    waiting = assessments_in_state(ids, PENDING)
    return {
        i: LearnerRecord(lessons[i], frozenset(passed[i]), frozenset(overridden[i]), attended[i], frozenset(waiting[i]))
        for i in ids
    }


def module_state(
    module: Module,
    row: LessonProgress | None,
    passed: Set[tuple[str, str]],
    overridden: Set[str] = frozenset(),
    waiting: Set[tuple[str, str]] = frozenset(),
) -> ModuleState:
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


def course_status(catalog: Catalog, course: Course, record: LearnerRecord) -> CourseStatus:
    """Where a trainee stands in a course."""
    rows, passed, overridden, waiting = record.lessons, record.passed, record.overridden, record.waiting
    # A draft module is hidden from trainees, so it cannot be required of them yet.
    modules = tuple(
        ModuleStatus(m, module_state(m, rows.get(m.slug), passed, overridden, waiting), rows.get(m.slug))
        for m in catalog.course_modules(course, include_drafts=False)
    )
    minutes = record.attended.get(course.slug, {})
    live = tuple(
        LiveProgress(domain, round(hours * 60), minutes.get(domain, 0)) for domain, hours in course.live.items()
    )
    return CourseStatus(course, modules, live)


@dataclass(frozen=True)
class Resume:
    """Where "Continue" goes: a lesson at a section, or a role-play in progress."""

    course: Course
    module: Module
    #: the lesson's section (1 for a one-page lesson)
    section: int = 1
    #: the role-play in progress (lms.content.quiz.Quiz) and its attempt
    quiz: Any = None
    attempt: OpenAttempt | None = None

    @property
    def section_param(self) -> int | None:
        """The lesson address's ?section= value (None: the lesson's own address)."""
        return self.section if self.module.sections and self.section > 1 else None


def resume_points(
    catalog: Catalog,
    statuses: list[CourseStatus],
    record: LearnerRecord,
    attempts: list[OpenAttempt],
    first: bool = False,
) -> tuple[Resume | None, Resume | None]:
    """(main, other) places to continue in these courses: the lesson section last opened (or the next
    lesson; with `first`, one course's first lesson before any reading) and the role-play in progress,
    the more recently used one first."""
    courses = {s.course.slug: s for s in statuses}
    lesson = _lesson_to_continue(courses, record.lessons, first and len(courses) == 1)
    role_play = next(filter(None, (_role_play_to_continue(catalog, courses, a) for a in attempts)), None)
    if role_play is None or lesson is None:
        return role_play or lesson, None
    row = record.lessons.get(lesson.module.slug)
    if row is None or role_play.attempt is None or role_play.attempt.last_active_at >= row.last_opened_at:
        return role_play, lesson
    return lesson, role_play


def _lesson_to_continue(courses: dict, rows: dict, first: bool) -> Resume | None:
    """The lesson last opened, at its section, unless it is done; then the course's next lesson."""
    latest = max((r for r in rows.values() if r.course_slug in courses), key=lambda r: r.last_opened_at, default=None)
    if latest is None:
        if not first:
            return None
        status = next(iter(courses.values()))
    else:
        status = courses[latest.course_slug]
        for item in status.modules:
            if item.module.slug == latest.module_slug and item.state not in (COMPLETE, WAITING):
                return Resume(status.course, item.module, resume_section(latest, item.module))
    module = status.next_module
    if module is None:
        return None
    return Resume(status.course, module, resume_section(rows.get(module.slug), module))


def _role_play_to_continue(catalog: Catalog, courses: dict, attempt: OpenAttempt) -> Resume | None:
    status = courses.get(attempt.course_slug)
    module = catalog.module(attempt.module_slug)
    quiz = module.assessment(attempt.quiz_slug) if module else None
    if status is None or module is None or quiz is None or module.draft:
        return None
    return Resume(status.course, module, quiz=quiz, attempt=attempt)
