"""Trainers' actions on one trainee or cohort: overrides and live sessions. Each is audited."""
from datetime import date

from .. import audit
from ..courses.content import Catalog
from ..extensions import db
from .models import Attendance, Cohort, LiveSession, Override

KINDS = {"extra_attempt": "an extra attempt", "lift_wait": "the wait before the next attempt lifted",
         "module_complete": "the module recorded as complete"}


class OverrideError(Exception):
    """An override that does not make sense, in words for the trainer."""


def add_override(catalog: Catalog, trainee_id: int, kind: str, module_slug: str, quiz_slug: str | None,
                 reason: str, actor_id: int) -> Override:
    module = catalog.module(module_slug)
    if kind not in KINDS or module is None:
        raise OverrideError("Choose a module (and a role-play) for the override.")
    if kind != "module_complete" and module.assessment(quiz_slug or "") is None:
        raise OverrideError("Choose which role-play the override is for.")
    if not (reason or "").strip():
        raise OverrideError("Please give a reason: it is kept in the audit log.")
    override = Override(user_id=trainee_id, kind=kind, module_slug=module_slug,
                        quiz_slug=quiz_slug if kind != "module_complete" else None, reason=reason.strip(),
                        created_by_id=actor_id)
    db.session.add(override)
    audit.record(f"override.{kind}", f"user:{trainee_id}", actor_id=actor_id, module=module_slug, quiz=quiz_slug,
                 reason=reason.strip())
    return override


def record_session(cohort: Cohort, title: str, held_on: date, minutes: int, domain: str, attendee_ids: list[int],
                   member_ids: set[int], actor_id: int) -> LiveSession:
    if minutes <= 0 or minutes > 16 * 60:
        raise OverrideError("A session lasts between 1 minute and 16 hours.")
    strangers = set(attendee_ids) - member_ids
    if strangers:
        raise OverrideError("Attendance can only be recorded for trainees in this cohort.")
    session = LiveSession(cohort_id=cohort.id, title=title.strip(), held_on=held_on, minutes=minutes, domain=domain,
                          recorded_by_id=actor_id)
    db.session.add(session)
    db.session.flush()
    for user_id in sorted(set(attendee_ids)):
        db.session.add(Attendance(session_id=session.id, user_id=user_id))
    audit.record("live_session.recorded", f"cohort:{cohort.id}", actor_id=actor_id, session=session.id,
                 minutes=minutes, domain=domain, attendees=len(set(attendee_ids)))
    return session
