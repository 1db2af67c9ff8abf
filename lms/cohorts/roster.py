"""Cohorts: create, join, import from CSV (all rows or none), and which cohorts a trainer may see.

Which trainees a trainer may see is decided in one place, lms.access.
"""

import csv
import io
import secrets
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from .. import audit
from ..auth.models import User
from ..auth.operations import create_user, find_user, normalise_email
from ..extensions import db
from ..inputs import is_email
from .models import Cohort, CohortMember, CohortTrainer

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
HEADER = ["email", "display name", "legal name"]


class CohortError(Exception):
    """A cohort request that cannot be carried out, in words for the trainer."""


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(8))


def create_cohort(name: str, course_slug: str, starts_on, ends_on, trainer: User) -> Cohort:
    if ends_on < starts_on:
        raise CohortError("The end date must be on or after the start date.")
    if db.session.scalar(select(Cohort.id).where(Cohort.name == name.strip())) is not None:
        raise CohortError(f"A cohort called “{name.strip()}” already exists; choose another name.")
    cohort = Cohort(
        name=name.strip(),
        course_slug=course_slug,
        starts_on=starts_on,
        ends_on=ends_on,
        join_code=new_join_code(),
        created_by_id=trainer.id,
    )
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    audit.record("cohort.created", f"cohort:{cohort.id}", actor_id=trainer.id, name=cohort.name, course=course_slug)
    return cohort


def add_member(cohort: Cohort, user: User) -> bool:
    """Add a trainee to a cohort; False if they were already in it."""
    if (
        db.session.scalar(
            select(CohortMember.id).where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)
        )
        is not None
    ):
        return False
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    return True


def cohort_by_code(code: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(Cohort.join_code == (code or "").strip().upper()))


def visible_cohorts(user: User) -> list[Cohort]:
    """Admins see every cohort; trainers the ones they run."""
    stmt = select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.name)
    if user.role != "admin":
        stmt = stmt.where(exists().where(CohortTrainer.cohort_id == Cohort.id, CohortTrainer.user_id == user.id))
    return list(db.session.scalars(stmt))


def can_see_cohort(user: User, cohort: Cohort) -> bool:
    return (
        user.role == "admin"
        or db.session.scalar(
            select(CohortTrainer.id).where(CohortTrainer.cohort_id == cohort.id, CohortTrainer.user_id == user.id)
        )
        is not None
    )


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    display_name: str
    legal_name: str


def parse_roster(text: str) -> tuple[list[ImportRow], list[str]]:
    """Rows of `email, display name, legal name` (a header row is optional); every bad row as 'line N: ...'."""
    rows, problems, seen = [], [], {}
    reader = csv.reader(io.StringIO(text))
    try:
        records = list(reader)  # the upload is at most MAX_CONTENT_LENGTH
    except csv.Error:  # a field over the csv module's limit (128 KiB)
        return [], [f"line {reader.line_num}: a value is too long (or the row is not valid CSV)"]
    for number, record in enumerate(records, start=1):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:3]] in (HEADER, ["email", "display_name", "legal_name"]):
            continue
        if len(cells) < 3 or not all(cells[:3]):
            problems.append(f"line {number}: needs three values: email, display name, legal name")
            continue
        email = normalise_email(cells[0])
        if not is_email(email):
            shown = "".join(c if c.isprintable() else "?" for c in cells[0][:254])
            problems.append(f"line {number}: '{shown}' is not an email address")
            continue
        if email in seen:
            problems.append(f"line {number}: {email} is already on line {seen[email]}")
            continue
        seen[email] = number
        rows.append(ImportRow(number, email, cells[1][:100], cells[2][:200]))
    if not rows and not problems:
        problems.append("line 1: the file has no trainees: one row per trainee, email, display name, legal name")
    return rows, problems


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    added: int = 0
    #: emails that already had an account: not added, they join with the cohort's link themselves
    existing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def import_roster(cohort: Cohort, text: str, actor_id: int | None) -> ImportResult:
    """Import trainees into a cohort: all rows or none.

    New accounts get a random password they never see: they set their own with a reset link. An email that
    already has an account is not added (an import must not pull someone into a cohort, and so in front of
    its trainers, without their say): it is reported, and that person joins with the cohort's link.
    """
    rows, problems = parse_roster(text)
    if problems:
        return ImportResult(problems=problems)
    created = added = 0
    existing = []
    for row in rows:
        user = find_user(row.email)
        if user is None:
            user = create_user(row.email, secrets.token_urlsafe(24), row.display_name, row.legal_name)
            created += 1
            added += add_member(cohort, user)
        elif user.role != "trainee":
            problems.append(f"line {row.line}: {row.email} is a {user.role} account, not a trainee")
        else:
            existing.append(row.email)
    if problems:
        db.session.rollback()
        return ImportResult(problems=problems)
    db.session.flush()
    audit.record(
        "cohort.imported",
        f"cohort:{cohort.id}",
        actor_id=actor_id,
        created=created,
        added=added,
        existing=len(existing),
    )
    return ImportResult(created, added, existing)
