"""Changes to a portfolio: the trainee's records, and the decisions of trainers and supervisors.

Operations flush; the view commits once. The rule that matters most is enforced here, in the same
statement that writes: a trainee changes or deletes an entry only while it is pending (an UPDATE or
DELETE ... WHERE state = 'pending'), so an entry someone has vouched for cannot change under them,
even when the edit and the decision arrive at the same moment. Decisions are made the same way
(only a pending entry can be decided, once) and every decision goes to the audit log.
"""

import logging
from datetime import date

from sqlalchemy import delete, select, update

from .. import audit
from ..clock import utcnow
from ..extensions import db
from . import evidence as files
from .models import (
    BoardCertification,
    ContinuingEducation,
    EntryState,
    Evidence,
    ExamResult,
    ExperienceEntry,
    OutsideTraining,
    PathwayChoice,
    ReviewState,
    SupervisionSession,
)

logger = logging.getLogger(__name__)
#: the audit name of each kind of record
KINDS = {
    ExperienceEntry: "experience",
    SupervisionSession: "supervision",
    OutsideTraining: "training",
    ContinuingEducation: "ce",
}


class PortfolioError(Exception):
    """An operation that cannot be done; the message says why, in words for the person."""


class Locked(PortfolioError):
    """The entry has been confirmed, accepted or declined: the trainee can no longer change it."""


def choose_pathway(user_id: int, slug: str) -> PathwayChoice:
    """Track a pathway (choosing it twice keeps the first choice)."""
    found = db.session.scalar(
        select(PathwayChoice).where(PathwayChoice.user_id == user_id, PathwayChoice.pathway_slug == slug)
    )
    if found is not None:
        return found
    choice = PathwayChoice(user_id=user_id, pathway_slug=slug)
    db.session.add(choice)
    db.session.flush()
    return choice


def drop_pathway(user_id: int, slug: str) -> None:
    """Stop tracking a pathway; the records stay (they count toward any other pathway)."""
    db.session.execute(
        delete(PathwayChoice).where(PathwayChoice.user_id == user_id, PathwayChoice.pathway_slug == slug)
    )


def chosen_slugs(user_id: int) -> list[str]:
    """The slugs of the pathways a trainee tracks, in the order chosen."""
    return list(
        db.session.scalars(
            select(PathwayChoice.pathway_slug).where(PathwayChoice.user_id == user_id).order_by(PathwayChoice.id)
        )
    )


def add_entry(model, user_id: int, **fields):
    """Log an experience entry or a supervision session (pending until the supervisor confirms it)."""
    fields["supervisor_email"] = fields["supervisor_email"].strip().lower()
    entry = model(user_id=user_id, state=EntryState.PENDING, **fields)
    db.session.add(entry)
    db.session.flush()
    return entry


def edit_pending(entry, **fields) -> None:
    """Change a pending entry of the trainee's; Locked once it is decided."""
    if "supervisor_email" in fields:
        fields["supervisor_email"] = fields["supervisor_email"].strip().lower()
    model = type(entry)
    changed = db.session.execute(
        update(model)
        .where(model.id == entry.id, model.state == "pending")
        .values(**fields)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Locked(_locked_message(entry))
    db.session.refresh(entry)


def delete_pending(record) -> None:
    """Delete a pending record of the trainee's (and its evidence file); Locked once it is decided."""
    model = type(record)
    evidence_id = getattr(record, "evidence_id", None)
    removed = db.session.execute(
        delete(model)
        .where(model.id == record.id, model.state == "pending")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not removed:
        raise Locked(_locked_message(record))
    if evidence_id is not None:
        db.session.execute(delete(Evidence).where(Evidence.id == evidence_id))
    db.session.expunge(record)


def _locked_message(record) -> str:
    db.session.refresh(record)
    return (
        f"This entry was {record.state} on {record.decided_at:%-d %B %Y} and can no longer be changed or "
        "deleted. If it is wrong, log a new entry and tell the person who decided it."
        if record.decided_at
        else f"This entry was {record.state} and can no longer be changed or deleted."
    )


def store_evidence(user_id: int, filename: str, data: bytes) -> Evidence:
    """Keep an uploaded file after checking it (EvidenceRefused says why it is not acceptable)."""
    clean, media_type = files.check(filename, data)
    item = Evidence(
        user_id=user_id, filename=clean, media_type=media_type, size=len(data), sha256=files.sha256(data), data=data
    )
    db.session.add(item)
    db.session.flush()
    return item


def add_outside_training(
    user_id: int, title: str, provider: str, completed_on: date, hours: dict[str, float], evidence: Evidence
) -> OutsideTraining:
    """Record training taken elsewhere (pending until a trainer accepts it)."""
    hours = {domain: float(h) for domain, h in hours.items() if h}
    if not hours:
        raise PortfolioError("Enter the hours of this training (in at least one domain).")
    record = OutsideTraining(
        user_id=user_id,
        title=title,
        provider=provider,
        completed_on=completed_on,
        hours=hours,
        evidence_id=evidence.id,
        state=ReviewState.PENDING,
    )
    db.session.add(record)
    db.session.flush()
    return record


def add_continuing_education(
    user_id: int, title: str, provider: str, completed_on: date, hours: float, ethics_hours: float, evidence: Evidence
) -> ContinuingEducation:
    """Record continuing education taken elsewhere (pending until a trainer accepts it)."""
    if ethics_hours > hours:
        raise PortfolioError("The ethics hours are part of the hours, so they cannot be more.")
    record = ContinuingEducation(
        user_id=user_id,
        title=title,
        provider=provider,
        completed_on=completed_on,
        hours=float(hours),
        ethics_hours=float(ethics_hours),
        evidence_id=evidence.id,
        state=ReviewState.PENDING,
    )
    db.session.add(record)
    db.session.flush()
    return record


def review(record, accept: bool, comment: str, reviewer_id: int) -> None:
    """A trainer accepts or declines outside training or CE (a comment is required to decline); audited."""
    _decide(record, ReviewState.ACCEPTED if accept else ReviewState.DECLINED, comment, reviewer_id)


def decide_entry(entry, confirm: bool, comment: str, decider_id: int | None = None, **details) -> None:
    """The supervisor confirms or declines an experience entry or supervision session; audited.

    `decider_id` is the supervisor's account when they decide signed in (None from an emailed link);
    `details` go to the audit event (e.g. how the decision was made).
    """
    _decide(entry, EntryState.CONFIRMED if confirm else EntryState.DECLINED, comment, decider_id, **details)


def _decide(record, state: str, comment: str, decider_id: int | None, **details) -> None:
    comment = (comment or "").strip()
    if state == "declined" and not comment:
        raise PortfolioError("Please say why, so the trainee knows what to fix.")
    model = type(record)
    now = utcnow()
    decided = db.session.execute(
        update(model)
        .where(model.id == record.id, model.state == "pending")
        .values(state=state, decided_at=now, decided_by_id=decider_id, decider_comment=comment or None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not decided:
        db.session.refresh(record)
        raise PortfolioError(f"This entry was already {record.state}.")
    db.session.refresh(record)
    kind = KINDS[model]
    audit.record(
        f"portfolio.{kind}.{state}",
        f"user:{record.user_id}",
        actor_id=decider_id,
        record=f"{kind}:{record.id}",
        comment=comment or None,
        **details,
    )
    logger.info("portfolio %s %s %s by %s", kind, record.id, state, decider_id)


def record_exam(user_id: int, pathway_slug: str, taken_on: date, passed: bool) -> ExamResult:
    """Record a board exam result the trainee took."""
    result = ExamResult(user_id=user_id, pathway_slug=pathway_slug, taken_on=taken_on, passed=passed)
    db.session.add(result)
    db.session.flush()
    audit.record(
        "portfolio.exam_recorded",
        f"user:{user_id}",
        actor_id=user_id,
        pathway=pathway_slug,
        taken_on=taken_on,
        passed=passed,
    )
    return result


def record_certification(user_id: int, pathway_slug: str, number: str, certified_on: date) -> BoardCertification:
    """Record the board's certificate (number, date); the latest one starts the renewal window."""
    row = BoardCertification(
        user_id=user_id, pathway_slug=pathway_slug, certificate_number=number, certified_on=certified_on
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "portfolio.certification_recorded",
        f"user:{user_id}",
        actor_id=user_id,
        pathway=pathway_slug,
        certificate_number=number,
        certified_on=certified_on,
    )
    return row
