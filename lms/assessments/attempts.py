"""Taking a role-play: start, answer, finish, grade. Operations flush; the view commits once.

Every write is idempotent: a step names the position it answers, and (attempt, position) is
unique, so a double submit, a refresh or the back button can never record a step twice.
"""

import logging
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..auth.models import User
from ..clock import utcnow
from ..cohorts.api import grants
from ..cohorts.models import CohortMember
from ..content.catalog import Catalog
from ..content.problems import Collector
from ..content.quiz import END, Quiz, Scene
from ..content.quiz_parser import parse_quiz
from ..extensions import db
from ..mail import enqueue
from .models import FAILED, OPEN, PASSED, PENDING, Attempt, AttemptStep, QuizVersion
from .scoring import RULE, Result, Step, next_scene, score_path

logger = logging.getLogger(__name__)
MAX_ANSWER_LENGTH = 10_000


class AttemptError(Exception):
    """A request that cannot be carried out; the message is for the trainee."""


class AttemptWait(AttemptError):
    """The wait after a failed attempt has not ended: the intro page already says until when."""


@dataclass(frozen=True)
class Answer:
    """A trainee's answer to the scene at `position`, checked by parse_answer."""

    position: int
    scene_id: str
    choice: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What recording an answer did: whether it was recorded (False for a repeat or stale submit),
    whether the attempt ended, and its result if it did."""

    recorded: bool
    ended: bool = False
    result: Result | None = None


#: a submit for a scene or position the attempt has moved past (a double click, the back button)
STALE = "stale"


def parse_answer(scene: Scene, position: int, form: Mapping[str, str]) -> Answer | str:
    """The one check of a submitted answer: an Answer, STALE, or a message for the trainee."""
    raw_position = form.get("position", "")
    if form.get("scene") != scene.id or not raw_position.isdigit() or int(raw_position) != position:
        return STALE
    if scene.kind == "choice":
        values = form.getlist("choice") if hasattr(form, "getlist") else [form.get("choice", "")]
        if len(values) != 1 or not values[0].isdigit() or int(values[0]) >= len(scene.choices):
            return "Please choose one of the responses."
        return Answer(position, scene.id, choice=int(values[0]))
    if scene.kind == "written":
        text = (form.get("answer") or "").strip()
        if not text:
            return "Please write your answer before you continue."
        if len(text) > MAX_ANSWER_LENGTH:
            return f"Please keep your answer under {MAX_ANSWER_LENGTH:,} characters."
        return Answer(position, scene.id, text=text)
    return STALE


@dataclass(frozen=True)
class Availability:
    open_attempt: Attempt | None
    used: int
    #: None: unlimited
    remaining: int | None
    #: when a wait after a failed attempt ends (None: no wait)
    opens_at: datetime | None
    best: Attempt | None
    attempts: tuple[Attempt, ...]
    #: attempts allowed in all, a trainer's extra attempts included (None: unlimited)
    allowed: int | None = None

    @property
    def minutes_to_wait(self) -> int:
        """Whole minutes until the next attempt opens, rounded up (0: no wait)."""
        if self.opens_at is None:
            return 0
        return max(1, -(-int((self.opens_at - utcnow()).total_seconds()) // 60))

    @property
    def waiting(self) -> bool:
        """A written answer is with a trainer and nothing has passed: another try now would spend an attempt."""
        states = {a.state for a in self.attempts}
        return PENDING in states and PASSED not in states

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.opens_at is None and (self.remaining is None or self.remaining > 0)


def wait_words(minutes: int) -> str:
    """A wait as a person says it: '1 minute', '10 minutes', '2 hours', '3 days' (rounded up, never a clock time)."""
    minutes = max(1, int(minutes))
    if minutes < 60:
        count, unit = minutes, "minute"
    elif minutes < 48 * 60:
        count, unit = -(-minutes // 60), "hour"
    else:
        count, unit = -(-minutes // (24 * 60)), "day"
    return f"{count} {unit}{'s' if count != 1 else ''}"


def attempts_for(user_id: int, module_slug: str, quiz_slug: str, practice: bool = False) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id == user_id,
                Attempt.module_slug == module_slug,
                Attempt.quiz_slug == quiz_slug,
                Attempt.practice.is_(practice),
            )
            .order_by(Attempt.number)
        )
    )


def availability(user_id: int, module_slug: str, quiz: Quiz, practice: bool = False) -> Availability:
    """Attempts used and left, and any wait, including a trainer's extra attempts and lifted waits.

    Practice attempts (a trainer trying a role-play) have no limits and never count.
    """
    attempts = attempts_for(user_id, module_slug, quiz.slug, practice)
    if practice:
        open_attempt = next((a for a in attempts if a.state == OPEN), None)
        return Availability(open_attempt, len(attempts), None, None, None, tuple(attempts))
    extra, waits_lifted_at = grants(user_id, module_slug, quiz.slug)
    open_attempt = next((a for a in attempts if a.state == OPEN), None)
    used = len(attempts)
    remaining = None if quiz.max_attempts == 0 else max(quiz.max_attempts + extra - used, 0)
    opens_at = None
    finished = [a for a in attempts if a.finished_at is not None]
    last = max(finished, key=lambda a: a.finished_at, default=None)
    if last is not None and last.state == FAILED and quiz.retry_after_minutes:
        wait_until = last.finished_at + timedelta(minutes=quiz.retry_after_minutes)
        lifted = waits_lifted_at is not None and waits_lifted_at >= last.finished_at
        if wait_until > utcnow() and not lifted:
            opens_at = wait_until
    decided = [a for a in attempts if a.state in (PASSED, FAILED)]
    best = max(decided, key=lambda a: (a.state == PASSED, a.score or 0, -a.number), default=None)
    allowed = None if quiz.max_attempts == 0 else max(quiz.max_attempts + extra, used)
    return Availability(open_attempt, used, remaining, opens_at, best, tuple(attempts), allowed)


def ensure_version(module_slug: str, quiz: Quiz) -> None:
    """Keep the source of the version an attempt runs on (once per fingerprint)."""
    if db.session.get(QuizVersion, quiz.fingerprint) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                QuizVersion(
                    fingerprint=quiz.fingerprint, module_slug=module_slug, quiz_slug=quiz.slug, source=quiz.source
                )
            )
    except IntegrityError:
        pass  # stored by a concurrent request


def start_attempt(user_id: int, course_slug: str, module_slug: str, quiz: Quiz, practice: bool = False) -> Attempt:
    """Start an attempt, or return the open one (so a double click starts only one)."""
    status = availability(user_id, module_slug, quiz, practice)
    if status.open_attempt is not None:
        return status.open_attempt
    if status.opens_at is not None:
        raise AttemptWait(f"This role-play opens again at {status.opens_at:%Y-%m-%d %H:%M} UTC.")
    if not status.can_start:
        raise AttemptError(
            "You have used all the attempts for this role-play. Your trainer can grant another if needed."
        )
    ensure_version(module_slug, quiz)
    attempt = Attempt(
        user_id=user_id,
        course_slug=course_slug,
        module_slug=module_slug,
        quiz_slug=quiz.slug,
        fingerprint=quiz.fingerprint,
        number=status.used + 1,
        state=OPEN,
        current_scene=quiz.first.id,
        shuffle_seed=secrets.randbelow(2**31),
        practice=practice,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Another request started one at the same moment: resume that one.
        existing = availability(user_id, module_slug, quiz, practice).open_attempt
        if existing is None:
            raise AttemptError("Please try again.") from None
        return existing
    logger.info("attempt started: user %s, %s/%s #%s", user_id, module_slug, quiz.slug, attempt.number)
    return attempt


@lru_cache(maxsize=256)
def _parse_version(fingerprint: str, source: str, label: str) -> Quiz | None:
    return parse_quiz(label, source, None, Collector())


def current_quiz(attempt: Attempt, catalog: Catalog) -> Quiz:
    """The quiz version the attempt was started on, looking up the catalog's current one first."""
    module = catalog.module(attempt.module_slug)
    return quiz_for_attempt(attempt, module.assessment(attempt.quiz_slug) if module else None)


def quiz_for_attempt(attempt: Attempt, current: Quiz | None) -> Quiz:
    """The quiz version the attempt was started on, from the catalog or the stored source."""
    if current is not None and current.fingerprint == attempt.fingerprint:
        return current
    version = db.session.get(QuizVersion, attempt.fingerprint)
    quiz = _parse_version(version.fingerprint, version.source, f"{version.module_slug}/{version.quiz_slug}.quiz.md")
    if quiz is None:
        raise AttemptError("This role-play version can no longer be read.")
    return quiz


def choice_order(attempt: Attempt, quiz: Quiz, scene_id: str) -> list[int]:
    """Display order of a scene's choices: shuffled once per attempt when the quiz asks for it."""
    scene = quiz.scene(scene_id)
    order = list(range(len(scene.choices))) if scene else []
    if quiz.shuffle:
        # Display order only, not a secret: a seeded PRNG keeps it stable per attempt.
        random.Random(f"{attempt.shuffle_seed}:{scene_id}").shuffle(order)  # nosec B311
    return order


_STEPS = AttemptStep.__table__
_COUNT = select(func.count()).select_from(_STEPS).where(_STEPS.c.attempt_id == bindparam("attempt"))
_ROUTE = (
    select(_STEPS.c.scene_id, _STEPS.c.choice_index, _STEPS.c.awards)
    .where(_STEPS.c.attempt_id == bindparam("attempt"))
    .order_by(_STEPS.c.position)
)
_INSERT = insert(_STEPS)
#: the move to the next scene; the answer replaces any draft
_MOVE = (
    update(Attempt.__table__)
    .where(Attempt.__table__.c.id == bindparam("attempt"))
    .values(current_scene=bindparam("scene"), draft=None)
)


def steps_of(attempt: Attempt) -> list[Step]:
    """The attempt's route in order, as scoring reads it: from the database, after anything pending is flushed."""
    db.session.flush()
    rows = db.session.connection().execute(_ROUTE, {"attempt": attempt.id})
    return [Step(r.scene_id, r.choice_index, tuple(r.awards) if r.awards is not None else None) for r in rows]


_LAST_STEP = (
    select(AttemptStep)
    .where(AttemptStep.attempt_id == bindparam("attempt"))
    .order_by(AttemptStep.position.desc())
    .limit(1)
)


def step_count(attempt: Attempt) -> int:
    """Steps recorded so far, counted in the database: loading them all on every step would make a
    long role-play slower with each answer."""
    db.session.flush()  # a step added through the ORM (a trainer tool, say) is counted too
    return db.session.connection().execute(_COUNT, {"attempt": attempt.id}).scalar_one()


def last_step(attempt: Attempt) -> AttemptStep | None:
    return db.session.scalar(_LAST_STEP, {"attempt": attempt.id})


def answer(attempt: Attempt, quiz: Quiz, given: Answer) -> Outcome:
    """Record a checked answer to the current scene and move on.

    parse_answer compared the answer's position with step_count under the caller's row lock; and
    (attempt, position) is unique, so should two submits ever race past that check, the second fails
    with IntegrityError and the caller rolls it back. Steps are rows written and read with Core
    statements (the attempt stays an ORM entity): this is the app's busiest write, and no step loads
    the steps before it."""
    if attempt.state != OPEN or attempt.current_scene != given.scene_id:
        return Outcome(recorded=False)
    _insert_step(attempt, given.position, given.scene_id, choice_index=given.choice, answer=given.text)
    result = _advance(attempt, quiz, next_scene(quiz, given.scene_id, given.choice), given.position + 1)
    return Outcome(recorded=True, ended=result is not None, result=result)


def save_draft(attempt: Attempt, text: str) -> None:
    """Keep the trainee's unsent text for the current written scene on the open attempt (blank text clears it)."""
    if attempt.state != OPEN:
        raise AttemptError("This attempt has ended, so there is nothing to save a draft for.")
    if len(text) > MAX_ANSWER_LENGTH:
        raise AttemptError(f"Please keep your answer under {MAX_ANSWER_LENGTH:,} characters.")
    attempt.draft = text if text.strip() else None


def _insert_step(
    attempt: Attempt, position: int, scene_id: str, choice_index: int | None = None, answer: str | None = None
) -> None:
    db.session.connection().execute(
        _INSERT,
        {
            "attempt_id": attempt.id,
            "position": position,
            "scene_id": scene_id,
            "choice_index": choice_index,
            "answer": answer,
            "created_at": utcnow(),
        },
    )


def _advance(attempt: Attempt, quiz: Quiz, target: str, position: int) -> Result | None:
    """Move to the next scene; an ending scene is recorded and ends the attempt (its result is returned)."""
    if target != END and quiz.scene(target).kind == "ending":
        _insert_step(attempt, position, target)
        target = END
    if target == END:
        return finish(attempt, quiz)
    # One Core UPDATE rather than a unit-of-work flush: the step's other writes are Core too. The ORM
    # object is told which columns changed, so nothing reads a stale value from it.
    db.session.connection().execute(_MOVE, {"attempt": attempt.id, "scene": target})
    db.session.expire(attempt, ["current_scene", "draft"])
    return None


def finish(attempt: Attempt, quiz: Quiz) -> Result:
    """Score a finished path: passed, failed, or pending a trainer's grading of written answers."""
    result = score_path(quiz, steps_of(attempt))
    attempt.current_scene = None
    attempt.draft = None
    attempt.finished_at = attempt.finished_at or utcnow()
    attempt.score, attempt.possible, attempt.critical = result.score, result.possible, result.critical
    attempt.scoring_rule = RULE
    attempt.state = PENDING if result.passed is None else (PASSED if result.passed else FAILED)
    logger.info("attempt %s finished: %s (%s/%s)", attempt.id, attempt.state, result.score, result.possible)
    return result


def grade(attempt: Attempt, quiz: Quiz, awards: dict[int, list[int]], comment: str, grader_id: int) -> bool:
    """Award rubric points (step id -> points per criterion); False if someone graded it first."""
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == PENDING)
        .values(graded_at=utcnow(), graded_by_id=grader_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    db.session.refresh(attempt)
    for step in attempt.steps:
        scene = quiz.scene(step.scene_id)
        if scene is not None and scene.kind == "written":
            points = awards.get(step.id, [])
            if len(points) != len(scene.rubric) or any(
                not 0 <= p <= c.points for p, c in zip(points, scene.rubric, strict=False)
            ):
                raise AttemptError("Every criterion needs a score between 0 and its maximum.")
            step.awards = list(points)
    attempt.grader_comment = (comment or "").strip() or None
    finish(attempt, quiz)
    audit.record(
        "attempt.graded",
        f"attempt:{attempt.id}",
        actor_id=grader_id,
        outcome=attempt.state,
        score=attempt.score,
        possible=attempt.possible,
    )
    _tell_trainee_of_grade(attempt, quiz)
    return True


def _tell_trainee_of_grade(attempt: Attempt, quiz: Quiz) -> None:
    """When mail is set up, queue a note that the answer was graded; the mark and comment stay behind sign-in."""
    if not current_app.config.get("MAIL_SERVER") or attempt.practice:
        return
    trainee = db.session.get(User, attempt.user_id)
    if trainee is None or not trainee.active:
        return
    link = current_app.config["PUBLIC_URL"].rstrip("/") + f"/attempts/{attempt.id}"
    enqueue(
        trainee.email,
        "Your trainer has graded your written answer",
        f"Hello {trainee.display_name},\n\nYour trainer has graded your written answer in “{quiz.title}”. "
        f"Sign in to see the result and any comment:\n\n{link}\n\nIt is also shown on your dashboard.\n",
    )


def pending_queue(cohort_id: int | None = None, visible=None) -> list[Attempt]:
    """Attempts waiting for a trainer, oldest first: those `visible` keeps (optionally only one cohort's)."""
    stmt = (
        select(Attempt)
        .where(Attempt.state == PENDING, true() if visible is None else visible)
        .order_by(Attempt.finished_at, Attempt.id)
    )
    if cohort_id is not None:
        stmt = stmt.where(Attempt.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
    return list(db.session.scalars(stmt))


def recently_graded(user_id: int, days: int = 14) -> list[Attempt]:
    """The trainee's written answers graded in the last `days` days, newest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id == user_id,
                Attempt.graded_at.is_not(None),
                Attempt.graded_at > utcnow() - timedelta(days=days),
            )
            .order_by(Attempt.graded_at.desc())
        )
    )


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.state == PENDING)) or 0
