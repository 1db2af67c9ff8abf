"""What a trainee records on the way to a credential: pathways, experience, supervision, outside training,
evidence, exam, board certification and continuing education.

Experience and supervision are vouched for by the supervisor named on the entry (confirmed or
declined); outside training and continuing education are reviewed by one of the trainee's trainers
(accepted or declined). Only pending entries count for nothing and only pending entries can be
changed by the trainee: a decided entry is a record someone vouched for (see operations.py).
"""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..clock import utcnow
from ..extensions import Model


class EntryState(enum.StrEnum):
    """Experience and supervision: vouched for by the supervisor the entry names."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class ReviewState(enum.StrEnum):
    """Outside training and continuing education: reviewed by one of the trainee's trainers."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SessionFormat(enum.StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"


def _states(enum_class) -> str:
    return "state IN (" + ", ".join(f"'{s.value}'" for s in enum_class) + ")"


class PathwayChoice(Model):
    """A pathway (content/pathways/<slug>.yaml) a trainee tracks."""

    __tablename__ = "pathway_choice"
    __table_args__ = (UniqueConstraint("user_id", "pathway_slug", name="uq_pathway_choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pathway_slug: Mapped[str] = mapped_column(String(100))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evidence(Model):
    """An uploaded file behind an outside training or CE record: a PDF, PNG or JPEG, checked by its content."""

    __tablename__ = "portfolio_evidence"
    __table_args__ = (CheckConstraint("size > 0", name="size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: the name the trainee's file had, cleaned (served back only as an attachment)
    filename: Mapped[str] = mapped_column(String(200))
    #: application/pdf, image/png or image/jpeg, as found from the file's first bytes
    media_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    #: SHA-256 of the bytes, so a board (through the share helper's portfolio) can match a copy
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Reviewed:
    """Columns of a record a trainer accepts or declines."""

    state: Mapped[str] = mapped_column(String(10), default=ReviewState.PENDING)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the trainer's comment, shown to the trainee (required to decline)
    decider_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutsideTraining(_Reviewed, Model):
    """Training taken elsewhere, counted toward a pathway's training hours once a trainer accepts it."""

    __tablename__ = "outside_training"
    __table_args__ = (CheckConstraint(_states(ReviewState), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date]
    #: contact hours by domain, e.g. {"ethics": 6}; {"total": n} when the certificate gives no domains
    hours: Mapped[dict] = mapped_column(JSON)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("portfolio_evidence.id", ondelete="CASCADE"), index=True)

    @property
    def total_hours(self) -> float:
        return round(sum(round(h * 60) for h in self.hours.values()) / 60, 2)


class ContinuingEducation(_Reviewed, Model):
    """Continuing education taken elsewhere after certification, counted toward renewal once accepted."""

    __tablename__ = "continuing_education"
    __table_args__ = (
        CheckConstraint(_states(ReviewState), name="state"),
        CheckConstraint("hours > 0 AND ethics_hours >= 0 AND ethics_hours <= hours", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date]
    hours: Mapped[float]
    #: of `hours`, how many were in ethics
    ethics_hours: Mapped[float] = mapped_column(default=0)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("portfolio_evidence.id", ondelete="CASCADE"), index=True)


class _Vouched:
    """Columns of an entry the named supervisor confirms or declines."""

    supervisor_name: Mapped[str] = mapped_column(String(200))
    #: stored lower-case: where the confirmation request goes, and whom a supervisor account sees entries for
    supervisor_email: Mapped[str] = mapped_column(String(254), index=True)
    state: Mapped[str] = mapped_column(String(10), default=EntryState.PENDING)
    decided_at: Mapped[datetime | None]
    #: the supervisor's account, when they decided signed in (None for a decision from an emailed link)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: the supervisor's comment, shown to the trainee
    decider_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExperienceEntry(_Vouched, Model):
    """Paid or volunteer work as a peer specialist, on one day."""

    __tablename__ = "experience_entry"
    __table_args__ = (
        CheckConstraint(_states(EntryState), name="state"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    worked_on: Mapped[date]
    #: the time worked, in whole minutes (the form takes hours; minutes add up exactly)
    minutes: Mapped[int]
    #: where, e.g. "Drop-in centre, Main Street"
    setting: Mapped[str] = mapped_column(String(200))
    #: what the trainee did, in their words
    activity: Mapped[str] = mapped_column(Text)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


class SupervisionSession(_Vouched, Model):
    """A supervision session with a qualified supervisor, one to one or in a group."""

    __tablename__ = "supervision_session"
    __table_args__ = (
        CheckConstraint(_states(EntryState), name="state"),
        CheckConstraint("format IN ('individual', 'group')", name="format"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date]
    minutes: Mapped[int]
    format: Mapped[str] = mapped_column(String(12), default=SessionFormat.INDIVIDUAL)
    #: what was discussed, in the trainee's words (optional)
    notes: Mapped[str | None] = mapped_column(Text)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


class ExamResult(Model):
    """A board exam result the trainee records."""

    __tablename__ = "exam_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pathway_slug: Mapped[str] = mapped_column(String(100))
    taken_on: Mapped[date]
    passed: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BoardCertification(Model):
    """The board's certificate, as the trainee records it; the latest one starts the renewal window."""

    __tablename__ = "board_certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pathway_slug: Mapped[str] = mapped_column(String(100))
    #: the number the board printed on its certificate
    certificate_number: Mapped[str] = mapped_column(String(100))
    #: the date the board certified (or last renewed) the person
    certified_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
