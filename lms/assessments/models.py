"""Attempts at role-plays, their steps, and the quiz versions they were taken on."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import Model


class AttemptState(StrEnum):
    OPEN = "open"
    #: finished, with written answers waiting for a trainer's grading
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


OPEN, PENDING, PASSED, FAILED = AttemptState


class QuizVersion(Model):
    """The exact source of a role-play as an attempt saw it, so editing never rewrites history."""

    __tablename__ = "quiz_version"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(100))
    quiz_slug: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Model):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "module_slug", "quiz_slug", "number", name="uq_attempt_number"),
        # At most one open attempt per trainee and role-play, whatever the timing of two requests.
        Index(
            "uq_attempt_one_open",
            "user_id",
            "module_slug",
            "quiz_slug",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(100))
    quiz_slug: Mapped[str] = mapped_column(String(100))
    #: the course the trainee started from, for links back to the lesson
    course_slug: Mapped[str] = mapped_column(String(100))
    #: the quiz version this attempt runs on
    fingerprint: Mapped[str] = mapped_column(ForeignKey("quiz_version.fingerprint"))
    #: 1 for the first attempt, counted against max_attempts when it starts
    number: Mapped[int]
    #: open, pending (a written answer awaits a trainer), passed or failed
    state: Mapped[str] = mapped_column(String(10), default=OPEN)
    #: the scene to answer next; None once the attempt has ended
    current_scene: Mapped[str | None] = mapped_column(String(100))
    #: seeds the shuffled choice order, fixed for the attempt
    shuffle_seed: Mapped[int] = mapped_column(default=0)
    #: a trainer trying the role-play: never counts towards completion
    practice: Mapped[bool] = mapped_column(default=False)
    score: Mapped[int | None]
    #: the points possible over the scenes visited (scoring rule 2), or the longest route's maximum (rule 1)
    possible: Mapped[int | None]
    #: which rule scored the attempt: 1 = format v1 (percent of the longest route), 2 = decision by decision
    scoring_rule: Mapped[int | None]
    critical: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the trainer's comment to the trainee when grading a written answer
    grader_comment: Mapped[str | None] = mapped_column(Text)
    #: the trainee's unsent draft of the current written scene; never an answer, cleared when one is recorded
    draft: Mapped[str | None] = mapped_column(Text)

    steps: Mapped[list["AttemptStep"]] = relationship(
        back_populates="attempt", order_by="AttemptStep.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def percent(self) -> float | None:
        """The shown percentage of a finished attempt (None while open)."""
        if self.score is None:
            return None
        return 100.0 * self.score / self.possible if self.possible else 100.0


class AttemptStep(Model):
    """One answered scene. (attempt, position) is unique, so a repeated submit cannot record twice."""

    __tablename__ = "attempt_step"
    __table_args__ = (UniqueConstraint("attempt_id", "position", name="uq_attempt_step_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    scene_id: Mapped[str] = mapped_column(String(100))
    #: index of the choice in the file (not the shuffled display order); None for a written scene
    choice_index: Mapped[int | None]
    #: a written answer; may describe the trainee's own history, so only the trainee and staff see it
    answer: Mapped[str | None] = mapped_column(Text)
    #: points a trainer awarded per rubric criterion, in rubric order
    awards: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="steps")
