"""Which trainees a member of staff may see: the one rule, used by every staff page, list and export.

Admins see everyone. A trainer sees the trainees of the cohorts they run, and nobody else: a trainee in no
cohort is visible to admins only. (The privacy notice promises trainees that only *their* trainers see
their answers.)

This module sits below the feature packages, so grading (assessments) and certificates can use the rule
without importing the trainers package above them; it names the two cohort tables through lightweight
table clauses for the same reason.
"""

from sqlalchemy import Select, column, select, table, true
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db

_cohort_member = table("cohort_member", column("cohort_id"), column("user_id"))
_cohort_trainer = table("cohort_trainer", column("cohort_id"), column("user_id"))


def sees_everyone(viewer) -> bool:
    """True for admins, who see every trainee."""
    return viewer.role == "admin"


def visible_trainee_ids(viewer) -> Select:
    """A subquery of the ids of the trainees in the cohorts `viewer` runs."""
    runs = select(_cohort_trainer.c.cohort_id).where(_cohort_trainer.c.user_id == viewer.id)
    return select(_cohort_member.c.user_id).where(_cohort_member.c.cohort_id.in_(runs))


def trainee_filter(viewer, user_id_column) -> ColumnElement:
    """A WHERE clause keeping only rows about trainees `viewer` may see (everything for an admin)."""
    if sees_everyone(viewer):
        return true()
    return user_id_column.in_(visible_trainee_ids(viewer))


def can_see_trainee(viewer, trainee_id: int | None) -> bool:
    """Whether `viewer` (staff) may see this trainee's records."""
    if sees_everyone(viewer):
        return True
    if trainee_id is None:
        return False
    found = visible_trainee_ids(viewer).where(_cohort_member.c.user_id == trainee_id).limit(1)
    return db.session.scalar(found) is not None


def owner_or_visible(viewer, owner_id: int | None) -> bool:
    """The record's owner, or staff who may see its owner."""
    if viewer.is_authenticated and owner_id is not None and owner_id == viewer.id:
        return True
    return bool(viewer.is_authenticated and viewer.is_staff and can_see_trainee(viewer, owner_id))
