"""Account operations: plain functions the views and CLI call. They flush, never commit."""

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from .. import audit
from ..clock import utcnow
from ..extensions import db
from . import throttle
from .models import ROLES, PasswordReset, User, new_session_token
from .passwords import hash_password, needs_rehash, verify_password

logger = logging.getLogger(__name__)
#: verified against when the email is unknown, so a wrong email costs as long as a wrong password
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str, password: str, display_name: str, legal_name: str, role: str = "trainee", privacy_accepted: bool = False
) -> User:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        legal_name=legal_name.strip(),
        role=role,
        privacy_accepted_at=utcnow() if privacy_accepted else None,
    )
    db.session.add(user)
    db.session.flush()
    logger.info("account created: user %s with role %s", user.id, role)
    return user


def spend_hash_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown email costs as long as a known one."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASH, password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades an outdated hash."""
    user = find_user(email)
    if user is None:
        spend_hash_time(password)
        audit.record(
            "auth.login_failed",
            None,
            actor_id=None,
            reason="unknown email",
            email_sha256=hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16],
        )
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        audit.record(
            "auth.login_failed",
            f"user:{user.id}",
            actor_id=user.id,
            reason="wrong password" if user.active else "deactivated",
        )
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie the user has, on every device."""
    user.session_token = new_session_token()


def change_password(user: User, new_password: str) -> None:
    """Set a new password: every session and every outstanding reset link of the account ends."""
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    end_resets(user)
    audit.record("auth.password_changed", f"user:{user.id}", actor_id=user.id)


def end_resets(user: User) -> None:
    """Every reset or invite link of the account that is still unused stops working."""
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


RESET_LIFETIME = timedelta(hours=2)


def create_reset(user: User, lifetime: timedelta = RESET_LIFETIME) -> str:
    """A single-use reset token (returned once; only its hash is stored); an invite lasts days, not hours."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id, token_hash=hashlib.sha256(token.encode()).hexdigest(), expires_at=utcnow() + lifetime
        )
    )
    audit.record("auth.reset_link_created", f"user:{user.id}", hours=round(lifetime.total_seconds() / 3600))
    return token


def find_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hashlib.sha256((token or "").encode()).hexdigest())
    )
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def use_reset(reset: PasswordReset, new_password: str) -> User | None:
    """Set the new password once; a second use of the same link (or a race) changes nothing. The account's
    other links stop working, and its sign-in pauses (lms.auth.throttle) are lifted."""
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    user = db.session.get(User, reset.user_id)
    change_password(user, new_password)
    throttle.clear(throttle.password_key(user.email), throttle.code_key(user.id))
    return user


def change_names(user: User, display_name: str, legal_name: str) -> list[str]:
    """Set the account's names; returns the fields that changed (audited). Issued certificates keep theirs."""
    changed = [
        name
        for name, value in (("display_name", display_name), ("legal_name", legal_name))
        if getattr(user, name) != value
    ]
    for name in changed:
        setattr(user, name, display_name if name == "display_name" else legal_name)
    if changed:
        audit.record("account.names_changed", f"user:{user.id}", actor_id=user.id, fields=changed)
    return changed


def register(email: str, password: str, display_name: str, legal_name: str) -> User:
    """A trainee's own sign-up (they accept the privacy notice on the form); audited."""
    user = create_user(email, password, display_name, legal_name, privacy_accepted=True)
    audit.record("auth.registered", f"user:{user.id}", actor_id=user.id)
    return user


def signed_in(user: User) -> None:
    """Audit a completed sign-in."""
    audit.record("auth.login", f"user:{user.id}", actor_id=user.id)


def code_accepted(user: User, step: int) -> None:
    """A two-factor code was right: remember its time step so it cannot be replayed."""
    user.totp_last_step = step


def code_refused(user: User) -> None:
    """Audit a wrong two-factor code."""
    audit.record("auth.code_failed", f"user:{user.id}", actor_id=user.id)


def sign_out(user: User) -> None:
    """End every session of the account (its token is replaced); audited."""
    end_sessions(user)
    audit.record("auth.logout", f"user:{user.id}")


def end_other_sessions(user: User) -> None:
    """End every session of the account; the caller starts a new one for this device. Audited."""
    end_sessions(user)
    audit.record("auth.other_sessions_ended", f"user:{user.id}", actor_id=user.id)


def begin_two_factor(user: User, secret: str) -> None:
    """Keep the secret being set up on the account (not in the cookie) until a code confirms it."""
    user.totp_pending = secret


def enable_two_factor(user: User, secret: str, step: int) -> None:
    """A code confirmed the secret: two-factor sign-in is on, and other devices are signed out. Audited."""
    user.totp_secret, user.totp_last_step, user.totp_pending = secret, step, None
    end_sessions(user)
    audit.record("auth.two_factor_enabled", f"user:{user.id}")


def disable_two_factor(user: User) -> None:
    """Two-factor sign-in off; other devices are signed out. Audited."""
    user.totp_secret = user.totp_last_step = user.totp_pending = None
    end_sessions(user)
    audit.record("auth.two_factor_disabled", f"user:{user.id}")


def accept_privacy(user: User) -> None:
    """An account made for someone accepts the privacy notice at first sign-in; audited."""
    user.privacy_accepted_at = utcnow()
    audit.record("auth.privacy_accepted", f"user:{user.id}", actor_id=user.id)
