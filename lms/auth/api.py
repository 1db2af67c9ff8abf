"""What other packages may ask about accounts: the signed-in user as a read-only value.

`current_user` is a SignedInUser: a frozen copy of the account's public columns, read with one Core
statement on the kept read connection (lms.database.read_one). It cannot be changed; a view that
changes the account loads it through the ORM (`account(current_user)`) and commits.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from ..database import read_one
from ..extensions import db
from .models import AccountRules, User

_USERS = User.__table__
_SIGNED_IN = select(
    _USERS.c.id,
    _USERS.c.uuid,
    _USERS.c.email,
    _USERS.c.display_name,
    _USERS.c.legal_name,
    _USERS.c.role,
    _USERS.c.active,
    _USERS.c.session_token,
    _USERS.c.created_at,
    _USERS.c.last_login_at,
    _USERS.c.privacy_accepted_at,
    _USERS.c.can_author,
    _USERS.c.news_seen,
    _USERS.c.totp_secret.is_not(None).label("two_factor"),
).where(_USERS.c.id == bindparam("id"))


@dataclass(frozen=True, eq=False)
class SignedInUser(AccountRules):
    """The signed-in account as pages and access checks need it; never its password hash or 2FA secrets."""

    id: int
    uuid: str
    email: str
    display_name: str
    legal_name: str
    role: str
    active: bool
    session_token: str
    created_at: datetime
    last_login_at: datetime | None
    privacy_accepted_at: datetime | None
    #: a trainer an admin has allowed to publish content
    can_author: bool
    #: the content version whose "What's new" note the trainee has seen
    news_seen: str | None
    two_factor: bool


def signed_in_user(user_id: int) -> SignedInUser | None:
    """The account with this id as a read-only value, or None."""
    row = read_one(_SIGNED_IN, id=user_id)
    return SignedInUser(*row) if row is not None else None  # the select's columns are the fields, in order


def account(user: "SignedInUser | User") -> User:
    """The account as an ORM object in this request's session, for a view that changes it."""
    found = db.session.get(User, user.id)
    if found is None:
        raise LookupError(f"account {user.id} no longer exists")
    return found
