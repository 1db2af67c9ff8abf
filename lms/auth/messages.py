"""The account emails: password-reset links (written when sent) and a warning to an address's owner."""

from flask import current_app

from ..extensions import db
from ..mail import PASSWORD_RESET, OutboxMail, enqueue, register_kind
from .models import User
from .operations import create_reset, find_user


def init_app() -> None:
    """Reset links are created at delivery, for an active account only (so asking reveals nothing)."""
    register_kind(PASSWORD_RESET, _compose_reset)


def _compose_reset(mail: OutboxMail) -> tuple[str, str, str] | None:
    user = find_user(mail.recipient)
    if user is None or not user.active:
        return None
    return user.email, "Set a new password", _reset_body(user, create_reset(user))


def request_reset(email: str) -> None:
    """Queue a reset link for whoever typed this address: the same one insert, account or not."""
    if current_app.config.get("MAIL_SERVER"):
        db.session.add(OutboxMail(kind=PASSWORD_RESET, recipient=email.strip().lower()))


def tell_owner_of_registration(email: str) -> None:
    """When mail is set up, tell an account's owner that someone tried to register with their address."""
    if current_app.config.get("MAIL_SERVER"):
        enqueue(
            email.strip().lower(),
            "Someone tried to create an account with your email address",
            "Hello,\n\nSomeone (perhaps you) tried to create a new training account with this email address. "
            "It already has an account, so nothing was changed.\n\nIf it was you, sign in with your password, or "
            "set a new one with \u201cForgot your password?\u201d on the sign-in page. If it was not you, you can "
            "ignore this email.\n",
        )


def reset_link(token: str) -> str:
    """The reset address on the site's public URL (LMS_PUBLIC_URL): a forged Host header must not choose it."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + f"/account/reset/{token}"


def _reset_body(user: User, token: str) -> str:
    return (
        f"Hello {user.display_name},\n\nSomeone (we hope you) asked to set a new password for your training "
        f"account. Use this link within two hours; it works once:\n\n{reset_link(token)}\n\n"
        "If you did not ask for this, you can ignore this email: your password has not changed.\n"
    )
