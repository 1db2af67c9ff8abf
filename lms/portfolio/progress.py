"""Progress toward a certification pathway: what is done, what is waiting, what remains.

The one read API of the portfolio. Pages, the portfolio PDF, the board's credential and the share
link all build on it::

    from lms.portfolio.progress import progress
    p = progress(user_id, catalog().pathway("icrc-peer-recovery"))
    for line in p.requirements:        # every hours requirement, in the order a board lists them
        line.label, line.required, line.done, line.pending, line.remaining, line.complete
    p.training_sources                 # the certificates and outside training behind the training hours
    p.exam, p.certification, p.renewal, p.next_steps, p.ready

What counts (and nothing else does):

- **Training**: certificates earned here (status valid, expired included: training once done stays
  done) for the courses the pathway lists in `training.courses`, at the hours per domain printed on
  the certificate; one certificate per course (the newest), so a re-take is not counted twice. Plus
  outside training a trainer has *accepted*. With domains, each domain line counts only that domain's
  hours, and the total line adds each domain's hours up to what the domain requires (so 30 ethics
  hours do not hide missing advocacy hours); without domains, every hour counts toward the total.
- **Experience and supervision**: entries their supervisor has *confirmed*.
- **Pending** (outside training not yet reviewed, entries not yet confirmed) is shown beside each line
  and never counted as done. Declined entries count for nothing.
- **Exam**: done once a passed result is recorded (or when the pathway's exam is not required).
- **Renewal** (once the trainee records a board certification and the pathway has a renewal rule): the
  window runs from the latest certification date for `period_months`; continuing education is every
  certificate earned here in the window (any course, ethics hours from its ethics domain) plus outside
  CE a trainer has accepted, completed in the window.

Every figure is rounded to hundredths of an hour after adding whole minutes, as transcripts do.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from ..certificates.issue import add_months
from ..certificates.models import VALID, Certificate
from ..clock import utcnow
from ..content.pathways import Pathway
from ..extensions import db
from .models import (
    BoardCertification,
    ContinuingEducation,
    EntryState,
    ExamResult,
    ExperienceEntry,
    OutsideTraining,
    ReviewState,
    SupervisionSession,
)

DOMAIN_LABELS = {
    "advocacy": "Advocacy",
    "mentoring": "Mentoring and education",
    "recovery-wellness": "Recovery and wellness support",
    "ethics": "Ethical responsibility",
}


def domain_label(domain: str) -> str:
    """A training domain in words ("recovery-wellness" -> "Recovery and wellness support")."""
    return DOMAIN_LABELS.get(domain, "Not by domain" if domain == "total" else domain.replace("-", " ").capitalize())


def _hours(minutes: float) -> float:
    return round(round(minutes) / 60, 2)


def _minutes(hours: float) -> float:
    return round(hours * 60)


@dataclass(frozen=True)
class Requirement:
    """One line of a pathway: hours required, done (confirmed or accepted), pending (waiting for someone)."""

    key: str
    label: str
    required: float
    done: float
    pending: float

    @property
    def remaining(self) -> float:
        return max(0.0, round(self.required - self.done, 2))

    @property
    def complete(self) -> bool:
        return self.done >= self.required

    @property
    def percent(self) -> int:
        """Done as a whole percent of required (100 when nothing is required), for a progress bar."""
        return 100 if self.required <= 0 else min(100, int(self.done * 100 // self.required))


@dataclass(frozen=True)
class TrainingSource:
    """A certificate earned here or an outside training record, and whether its hours count."""

    kind: str  # "certificate" or "outside"
    #: the certificate's ID, or the outside training record's id
    id: str
    title: str
    provider: str
    on: date
    hours: Mapping[str, float]
    #: "valid" for a certificate; the review state for outside training
    state: str
    counted: bool
    evidence_id: int | None = None


@dataclass(frozen=True)
class ExamStatus:
    name: str
    required: bool
    taken_on: date | None
    #: None: no result recorded yet
    passed: bool | None

    @property
    def complete(self) -> bool:
        return bool(self.passed) or not self.required


@dataclass(frozen=True)
class CertificationStatus:
    certificate_number: str
    certified_on: date


@dataclass(frozen=True)
class CESource:
    kind: str  # "certificate" or "outside"
    id: str
    title: str
    on: date
    hours: float
    ethics_hours: float
    state: str
    counted: bool
    evidence_id: int | None = None


@dataclass(frozen=True)
class RenewalProgress:
    starts_on: date
    due_on: date
    days_left: int
    ce: Requirement
    ethics: Requirement
    sources: tuple[CESource, ...]

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def complete(self) -> bool:
        return self.ce.complete and self.ethics.complete


@dataclass(frozen=True)
class PathwayProgress:
    pathway: Pathway
    #: one line per required domain, then the total (empty when the pathway asks for no training)
    training: tuple[Requirement, ...]
    training_sources: tuple[TrainingSource, ...]
    experience: Requirement | None
    supervision: Requirement | None
    exam: ExamStatus | None
    certification: CertificationStatus | None
    renewal: RenewalProgress | None
    #: what to do next, in plain words, most useful first
    next_steps: tuple[str, ...]

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """Every hours line toward first certification: training, experience, supervision."""
        return self.training + tuple(r for r in (self.experience, self.supervision) if r is not None)

    @property
    def ready(self) -> bool:
        """Every requirement met: what the board asks for first certification is in place."""
        return all(r.complete for r in self.requirements) and (self.exam is None or self.exam.complete)


def progress(user_id: int, pathway: Pathway, today: date | None = None) -> PathwayProgress:
    """A trainee's progress toward `pathway` on `today` (default: today, UTC)."""
    today = today or utcnow().date()
    certificates = _valid_certificates(user_id)
    training, sources = _training(user_id, pathway, certificates)
    experience = supervision = None
    if pathway.experience_hours is not None:
        entries = db.session.scalars(select(ExperienceEntry).where(ExperienceEntry.user_id == user_id)).all()
        experience = _vouched("experience", "Supervised work experience", pathway.experience_hours, entries)
    if pathway.supervision_hours is not None:
        sessions = db.session.scalars(select(SupervisionSession).where(SupervisionSession.user_id == user_id)).all()
        supervision = _vouched("supervision", "Supervision", pathway.supervision_hours, sessions)
    exam = _exam(user_id, pathway)
    certification = _certification(user_id, pathway)
    renewal = _renewal(user_id, pathway, certification, certificates, today)
    result = PathwayProgress(pathway, training, sources, experience, supervision, exam, certification, renewal, ())
    return replace(result, next_steps=_next_steps(result))


def _valid_certificates(user_id: int) -> list[Certificate]:
    # Status valid includes expired certificates (expiry is worked out from expires_at): training done stays done.
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id, Certificate.status == VALID)
            .order_by(Certificate.issued_at.desc())
        )
    )


def _training(user_id: int, pathway: Pathway, certificates: list[Certificate]):
    if pathway.training is None:
        return (), ()
    sources = []
    seen_courses = set()
    for cert in certificates:
        if cert.course_slug in pathway.training.courses and cert.course_slug not in seen_courses:
            seen_courses.add(cert.course_slug)
            sources.append(
                TrainingSource(
                    "certificate", cert.id, cert.title, "", cert.issued_at.date(), dict(cert.hours), VALID, True
                )
            )
    outside = db.session.scalars(
        select(OutsideTraining).where(OutsideTraining.user_id == user_id).order_by(OutsideTraining.completed_on.desc())
    ).all()
    for record in outside:
        sources.append(
            TrainingSource(
                "outside",
                str(record.id),
                record.title,
                record.provider,
                record.completed_on,
                dict(record.hours),
                record.state,
                record.state == ReviewState.ACCEPTED,
                record.evidence_id,
            )
        )
    done = _by_domain(s.hours for s in sources if s.counted)
    pending = _by_domain(s.hours for s in sources if s.kind == "outside" and s.state == ReviewState.PENDING)
    required = pathway.training.domains
    lines = [
        Requirement(f"training.{d}", domain_label(d), hours, _hours(done.get(d, 0)), _hours(pending.get(d, 0)))
        for d, hours in required.items()
    ]
    if required:
        # The total adds each domain up to its requirement: extra hours in one domain do not fill another.
        total_done = sum(min(_minutes(line.required), _minutes(line.done)) for line in lines)
        total_pending = sum(pending.get(d, 0) for d in required)
    else:
        total_done, total_pending = sum(done.values()), sum(pending.values())
    lines.append(
        Requirement(
            "training", "Training, all domains", pathway.training.total, _hours(total_done), _hours(total_pending)
        )
    )
    return tuple(lines), tuple(sources)


def _by_domain(hour_maps: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Minutes per domain, added up."""
    minutes: dict[str, float] = {}
    for hours in hour_maps:
        for domain, amount in hours.items():
            minutes[domain] = minutes.get(domain, 0) + _minutes(amount)
    return minutes


def _vouched(key: str, label: str, required: float, entries) -> Requirement:
    done = sum(e.minutes for e in entries if e.state == EntryState.CONFIRMED)
    pending = sum(e.minutes for e in entries if e.state == EntryState.PENDING)
    return Requirement(key, label, required, _hours(done), _hours(pending))


def _exam(user_id: int, pathway: Pathway) -> ExamStatus | None:
    if pathway.exam is None:
        return None
    results = db.session.scalars(
        select(ExamResult)
        .where(ExamResult.user_id == user_id, ExamResult.pathway_slug == pathway.slug)
        .order_by(ExamResult.taken_on.desc(), ExamResult.id.desc())
    ).all()
    shown = next((r for r in results if r.passed), results[0] if results else None)
    return ExamStatus(
        pathway.exam.name, pathway.exam.required, shown.taken_on if shown else None, shown.passed if shown else None
    )


def _certification(user_id: int, pathway: Pathway) -> CertificationStatus | None:
    row = db.session.scalar(
        select(BoardCertification)
        .where(BoardCertification.user_id == user_id, BoardCertification.pathway_slug == pathway.slug)
        .order_by(BoardCertification.certified_on.desc(), BoardCertification.id.desc())
        .limit(1)
    )
    return CertificationStatus(row.certificate_number, row.certified_on) if row else None


def _renewal(
    user_id: int,
    pathway: Pathway,
    certification: CertificationStatus | None,
    certificates: list[Certificate],
    today: date,
) -> RenewalProgress | None:
    if pathway.renewal is None or certification is None:
        return None
    starts = certification.certified_on
    due = add_months(starts, pathway.renewal.period_months)
    sources = [
        CESource(
            "certificate",
            c.id,
            c.title,
            c.issued_at.date(),
            c.total_hours,
            float(c.hours.get("ethics", 0)),
            VALID,
            True,
        )
        for c in certificates
        if starts <= c.issued_at.date() < due
    ]
    records = db.session.scalars(
        select(ContinuingEducation)
        .where(ContinuingEducation.user_id == user_id)
        .order_by(ContinuingEducation.completed_on.desc())
    ).all()
    for r in records:
        inside = starts <= r.completed_on < due
        sources.append(
            CESource(
                "outside",
                str(r.id),
                r.title,
                r.completed_on,
                r.hours,
                r.ethics_hours,
                r.state,
                inside and r.state == ReviewState.ACCEPTED,
                r.evidence_id,
            )
        )
    counted = [s for s in sources if s.counted]
    waiting = [s for s in sources if s.kind == "outside" and s.state == ReviewState.PENDING and starts <= s.on < due]
    ce = Requirement(
        "ce",
        "Continuing education",
        pathway.renewal.ce_hours,
        _hours(sum(_minutes(s.hours) for s in counted)),
        _hours(sum(_minutes(s.hours) for s in waiting)),
    )
    ethics = Requirement(
        "ce.ethics",
        "of which ethics",
        pathway.renewal.ethics_hours,
        _hours(sum(_minutes(s.ethics_hours) for s in counted)),
        _hours(sum(_minutes(s.ethics_hours) for s in waiting)),
    )
    return RenewalProgress(starts, due, (due - today).days, ce, ethics, tuple(sources))


def _h(hours: float) -> str:
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def _more(hours: float) -> str:
    return f"{hours:g} more hour" + ("" if hours == 1 else "s")


def _next_steps(p: PathwayProgress) -> tuple[str, ...]:
    if p.renewal is not None:
        return (_renewal_step(p.renewal, p.pathway.board.name),)
    if p.certification is not None:
        return ("Your certification is recorded.",)
    steps = []
    missing = [line for line in p.training if not line.complete and line.key != "training"]
    total = next((line for line in p.training if line.key == "training"), None)
    if missing:
        steps.append(
            "Complete training in "
            + ", ".join(f"{line.label.lower()} ({_h(line.remaining)})" for line in missing)
            + ": finish a course here, or record "
            "outside training with its certificate."
        )
    elif total is not None and not total.complete:
        steps.append(
            f"Complete {_more(total.remaining)} of training: finish a course here, or record outside "
            "training with its certificate."
        )
    for line in (p.experience, p.supervision):
        if line is not None and not line.complete:
            waiting = (
                (f" ({_h(line.pending)} {'is' if line.pending == 1 else 'are'} waiting for your supervisor to confirm)")
                if line.pending
                else ""
            )
            steps.append(f"Log {_more(line.remaining)} of {line.label.lower()}{waiting}.")
    if p.exam is not None and not p.exam.complete:
        steps.append(
            f"Take the {p.exam.name} and record your result."
            if p.exam.passed is None
            else f"Your last {p.exam.name} result was not a pass: record your result when you retake it."
        )
    if steps:
        return tuple(steps)
    if not p.requirements and p.exam is None:
        # A pathway that records only the renewal rule (the board's first requirements are not known here).
        return (
            f"This page does not list what {p.pathway.board.name} asks for first certification: check its "
            "current rules. Once you are certified, record your certification here to track your renewal.",
        )
    return (
        f"You meet every requirement recorded here: apply to {p.pathway.board.name}, then record your "
        "certification to track renewal.",
    )


def _renewal_step(r: RenewalProgress, board: str) -> str:
    due = f"{r.due_on:%-d %B %Y}"
    if r.overdue:
        return (
            f"Your renewal was due on {due}. Contact {board} about your certification; once renewed, record "
            "the new date here."
        )
    if not r.ce.complete:
        return f"Earn {_more(r.ce.remaining)} of continuing education before {due}" + (
            f" ({r.ethics.remaining:g} of them in ethics)." if not r.ethics.complete else "."
        )
    if not r.ethics.complete:
        return f"Earn {_more(r.ethics.remaining)} of continuing education in ethics before {due}."
    return f"You have the continuing education to renew: apply to {board} before {due}, then record the new date here."
