"""What publishing a candidate would change, and for whom: compared with the live version, in words.

The content comparison is pure (two catalogs in, changes out); the effect on people reads the database:
each trainee's standing in a changed course under both versions, certificates (which pin the course
version they certified, so they never change), and open or waiting role-play attempts (which pin the
role-play version they started on, lms.assessments QuizVersion, so they finish on it).
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from ..assessments.models import OPEN, PENDING, Attempt
from ..auth.models import User
from ..certificates.models import LIVE, AttestationSignature, Certificate
from ..completion.api import course_status, learners
from ..content.catalog import Catalog, Course
from ..extensions import db
from ..reading.models import LessonProgress

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Change:
    #: course, module, role-play or attestation
    kind: str
    slug: str
    title: str
    #: added, removed or changed
    what: str
    #: for a changed course or module: what changed, in words ("modules: + rest")
    detail: str = ""


@dataclass(frozen=True)
class Impact:
    changes: tuple[Change, ...]
    #: sentences about people, e.g. "3 trainees who completed Core Training will show 6 of 7."
    effects: tuple[str, ...]

    def of(self, kind: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)


def content_changes(live: Catalog, candidate: Catalog) -> tuple[Change, ...]:
    """Courses, modules, role-plays and attestations added, removed or changed (pure)."""
    changes = []
    changes += _compare("course", live.courses, candidate.courses, _course_detail)
    changes += _compare("module", live.modules, candidate.modules, _module_detail)
    changes += _compare("role-play", _quizzes(live), _quizzes(candidate), lambda a, b: "")
    changes += _compare("attestation", live.attestations, candidate.attestations, lambda a, b: "")
    return tuple(changes)


def impact(live: Catalog, candidate: Catalog) -> Impact:
    """The content changes and their effect on trainees, certificates and open attempts."""
    changes = content_changes(live, candidate)
    effects = []
    for course in live.courses.values():
        effects += _course_effects(live, candidate, course)
    effects += _attempt_effects(changes)
    effects += _attestation_effects(changes)
    return Impact(changes, tuple(effects))


def _compare(kind: str, before: dict, after: dict, detail) -> list[Change]:
    result = []
    for slug in sorted(after.keys() - before.keys()):
        result.append(Change(kind, slug, after[slug].title, ADDED))
    for slug in sorted(before.keys() - after.keys()):
        result.append(Change(kind, slug, before[slug].title, REMOVED))
    for slug in sorted(before.keys() & after.keys()):
        if before[slug].fingerprint != after[slug].fingerprint:
            result.append(Change(kind, slug, after[slug].title, CHANGED, detail(before[slug], after[slug])))
    return result


def _quizzes(catalog: Catalog) -> dict:
    return {f"{m.slug}/{q.slug}": q for m in catalog.modules.values() for q in m.assessments}


def _course_detail(before: Course, after: Course) -> str:
    parts = []
    added = [m for m in after.modules if m not in before.modules]
    removed = [m for m in before.modules if m not in after.modules]
    if added:
        parts.append("modules added: " + ", ".join(added))
    if removed:
        parts.append("modules removed: " + ", ".join(removed))
    if not added and not removed and before.modules != after.modules:
        parts.append("modules reordered")
    if dict(before.hours) != dict(after.hours):
        parts.append("hours changed")
    if before.title != after.title:
        parts.append(f"renamed from “{before.title}”")
    return "; ".join(parts) or "description or settings changed"


def _module_detail(before, after) -> str:
    parts = []
    if before.draft != after.draft:
        parts.append("now a draft (hidden from trainees)" if after.draft else "no longer a draft (trainees see it)")
    if [q.slug for q in before.assessments] != [q.slug for q in after.assessments]:
        parts.append("role-plays added or removed")
    if before.minutes != after.minutes:
        parts.append(f"minutes {before.minutes} → {after.minutes}")
    return "; ".join(parts) or "lesson or role-play text changed"


def _course_effects(live: Catalog, candidate: Catalog, course: Course) -> list[str]:
    """What happens to the trainees and certificates of one live course."""
    certificates = (
        db.session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.course_slug == course.slug, Certificate.status.in_(LIVE))
        )
        or 0
    )
    kept = (
        f"{_count(certificates, 'issued certificate')} {'is' if certificates == 1 else 'are'} unaffected"
        if certificates
        else "no certificates have been issued for it"
    )
    after = candidate.course(course.slug)
    trainees = _trainees_in(live, course)
    if after is None:
        return [
            f"{course.title} will no longer be offered: {_count(len(trainees), 'trainee')} who started it "
            f"will not see it; {kept}."
        ]
    before_modules = [m.slug for m in live.course_modules(course, include_drafts=False)]
    after_modules = [m.slug for m in candidate.course_modules(after, include_drafts=False)]
    if before_modules == after_modules and not _requirements_changed(live, candidate, before_modules):
        return []
    lost, gained, shown = 0, 0, Counter()
    for record in learners(trainees).values():
        was = course_status(live, course, record).modules_complete
        now = course_status(candidate, after, record)
        if was and not now.modules_complete:
            lost += 1
            shown[f"{now.complete_count} of {len(now.modules)}"] += 1
        elif now.modules_complete and not was:
            gained += 1
    effects = [
        f"{_count(n, 'trainee')} who completed {course.title} will show {label}; {kept}."
        for label, n in sorted(shown.items())
    ]
    if gained:
        effects.append(f"{_count(gained, 'trainee')} will now have completed every module of {course.title}.")
    if not effects:
        started = f"{_count(len(trainees), 'trainee')} started it" if trainees else "nobody has started it yet"
        effects.append(f"{course.title}: no trainee's completion changes ({started}); {kept}.")
    return effects


def _requirements_changed(live: Catalog, candidate: Catalog, slugs: list[str]) -> bool:
    """True when a module in the course gained or lost a required role-play (completion depends on them)."""

    def required(catalog, slug):
        module = catalog.module(slug)
        return tuple(q.slug for q in module.required_assessments) if module else ()

    return any(required(live, s) != required(candidate, s) for s in slugs)


def _trainees_in(catalog: Catalog, course: Course) -> list[int]:
    """Trainees with a lesson of the course opened."""
    stmt = (
        select(LessonProgress.user_id)
        .join(User, User.id == LessonProgress.user_id)
        .where(LessonProgress.module_slug.in_(course.modules), User.role == "trainee")
        .distinct()
    )
    return sorted(db.session.scalars(stmt))


def _attempt_effects(changes: tuple[Change, ...]) -> list[str]:
    effects = []
    for change in changes:
        if change.kind != "role-play" or change.what == ADDED:
            continue
        module_slug, quiz_slug = change.slug.split("/", 1)
        counts = dict(
            db.session.execute(
                select(Attempt.state, func.count())
                .where(
                    Attempt.module_slug == module_slug,
                    Attempt.quiz_slug == quiz_slug,
                    Attempt.state.in_((OPEN, PENDING)),
                    Attempt.practice.is_(False),
                )
                .group_by(Attempt.state)
            ).all()
        )
        parts = []
        if counts.get(OPEN):
            parts.append(f"{_count(counts[OPEN], 'open attempt')}")
        if counts.get(PENDING):
            parts.append(f"{_count(counts[PENDING], 'answer')} waiting for grading")
        if parts:
            one = sum(counts.get(s, 0) for s in (OPEN, PENDING)) == 1
            effects.append(
                f"“{change.title}” is {change.what}: {' and '.join(parts)} {'stays' if one else 'stay'} "
                f"on the version {'it' if one else 'they'} started with; new attempts use the new version."
            )
    return effects


def _attestation_effects(changes: tuple[Change, ...]) -> list[str]:
    effects = []
    for change in changes:
        if change.kind == "attestation" and change.what != ADDED:
            signed = (
                db.session.scalar(
                    select(func.count())
                    .select_from(AttestationSignature)
                    .where(AttestationSignature.attestation_slug == change.slug)
                )
                or 0
            )
            effects.append(
                f"“{change.title}” is {change.what}: {_count(signed, 'signature')} already given "
                f"{'keeps' if signed == 1 else 'keep'} the text that was signed; trainees who claim a "
                "certificate from now on sign the new text."
            )
    return effects


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
