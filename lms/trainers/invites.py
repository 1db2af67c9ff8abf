"""Invite links: a trainer lets the imported trainees of their own cohort set a password and sign in.

An invite is the account's password-reset link (lms.auth), made to last days instead of hours, so that
a trainer can hand it out in class. Only accounts nobody has used yet can be invited: an account whose
owner has signed in or accepted the privacy notice (everyone who registered did) is theirs, and a
trainer who could make a link for it could take it over.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from .. import audit
from ..auth.models import PasswordReset, User
from ..auth.operations import create_reset, end_resets
from ..clock import utcnow
from ..cohorts.models import Cohort, CohortMember
from ..extensions import db

#: how long a trainer may make an invite last, in days, and the suggestion (a class of two weeks)
INVITE_DAYS = (1, 30)
DEFAULT_INVITE_DAYS = 14


@dataclass(frozen=True)
class Invitee:
    user: User
    #: when the newest unused invite (or reset) link stops working; None: no working link
    link_expires_at: datetime | None


def invitees(cohort: Cohort) -> list[Invitee]:
    """The cohort's trainees whose accounts nobody has used yet, by name, with their current link if any."""
    users = db.session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, *_unused())
        .order_by(User.display_name, User.id)
    ).all()
    expiry = (
        dict(
            db.session.execute(
                select(PasswordReset.user_id, func.max(PasswordReset.expires_at))
                .where(
                    PasswordReset.user_id.in_([u.id for u in users]),
                    PasswordReset.used_at.is_(None),
                    PasswordReset.expires_at > utcnow(),
                )
                .group_by(PasswordReset.user_id)
            ).all()
        )
        if users
        else {}
    )
    return [Invitee(user, expiry.get(user.id)) for user in users]


def _unused():
    return (
        User.role == "trainee",
        User.active.is_(True),
        User.last_login_at.is_(None),
        User.privacy_accepted_at.is_(None),
    )


def create_invites(cohort: Cohort, user_ids: list[int], days: int, actor: User) -> list[tuple[User, str]]:
    """A new link for each of these trainees (each must be an invitee of the cohort, else ValueError); any
    older link of theirs stops working. Returns (trainee, token) pairs: the tokens are shown once."""
    allowed = {i.user.id: i.user for i in invitees(cohort)}
    if not user_ids or any(uid not in allowed for uid in user_ids):
        raise ValueError("not an invitee of this cohort")
    links = []
    for uid in dict.fromkeys(user_ids):
        user = allowed[uid]
        end_resets(user)
        links.append((user, create_reset(user, lifetime=timedelta(days=days))))
    audit.record(
        "cohort.invites_created",
        f"cohort:{cohort.id}",
        actor_id=actor.id,
        days=days,
        trainees=[user.id for user, _ in links],
    )
    return links
