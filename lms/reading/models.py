"""What a trainee has read."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import Model


class LessonProgress(Model):
    """One row per trainee and module lesson: when it was opened, finished, and time spent reading."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", name="uq_lesson_progress_user_module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(100))
    #: the course the lesson was last opened from, for "continue where you left off"
    course_slug: Mapped[str] = mapped_column(String(100))
    #: fingerprint of the module version last read
    module_fingerprint: Mapped[str] = mapped_column(String(64))
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    #: the section (1-based) last opened, for "Continue" in a lesson read in sections; None: not yet opened
    section: Mapped[int | None]
    #: reading time credited: gaps between lesson requests, each capped (see progress.credit_time)
    seconds_spent: Mapped[int] = mapped_column(default=0)
