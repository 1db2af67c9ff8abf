"""Account administration; every change ends the account's sessions and is audited."""

from .. import audit
from ..auth.models import ROLES, User
from ..auth.operations import end_sessions


class AdminError(Exception):
    """A change that is not allowed, in words for the admin."""


def change_role(user: User, role: str, reason: str, actor: User) -> None:
    if role not in ROLES:
        raise AdminError("Unknown role.")
    if user.id == actor.id:
        raise AdminError("You cannot change your own role; ask another admin.")
    before = user.role
    user.role = role
    if role != "trainer":
        user.can_author = False  # the permission is a trainer's; it does not come back with a later promotion
    end_sessions(user)  # a new role takes effect on the next sign-in, on every device
    audit.record("user.role_changed", f"user:{user.id}", actor_id=actor.id, before=before, after=role, reason=reason)


def set_active(user: User, active: bool, reason: str, actor: User) -> None:
    if user.id == actor.id:
        raise AdminError("You cannot deactivate your own account.")
    user.active = active
    end_sessions(user)
    audit.record(
        "user.reactivated" if active else "user.deactivated", f"user:{user.id}", actor_id=actor.id, reason=reason
    )


def set_author(user: User, allowed: bool, reason: str, actor: User) -> None:
    """Let a trainer publish content (lms.publishing), or stop them; admins always may."""
    if user.role != "trainer":
        raise AdminError("Only trainers are given the author permission; admins always have it.")
    user.can_author = allowed
    audit.record(
        "user.author_granted" if allowed else "user.author_removed", f"user:{user.id}", actor_id=actor.id, reason=reason
    )
