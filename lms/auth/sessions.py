"""Session lifetimes and the identity in cookies.

A session or remember-me cookie names its account by "<id>:<token>:<signed-in at>": the account's
random session token (replaced whenever its sessions end, and never shared by two accounts) and the
Unix time of the sign-in. A session ends after a time without requests (idle) or a time after signing
in (absolute), both shorter for staff. "Keep me signed in" is for trainees only: their remember-me
cookie restores a session until REMEMBER_DAYS after signing in, and such a session has no idle limit.
"""

import hmac
import time

from flask import session
from flask_login import login_user

#: the last-request time in the session is refreshed at most this often (each refresh sends a new cookie)
SEEN_EVERY = 60


def start(user, remember: bool) -> None:
    """Sign `user` in on this session (and with a remember-me cookie if asked, for trainees only)."""
    remember = remember and not user.is_staff
    login_user(user, remember=remember)
    now = int(time.time())
    session["_user_id"] = f"{user.get_id()}:{now}"  # what Flask-Login keeps, and writes to the remember-me cookie
    session["_seen"] = now
    if remember:
        session["_remembered"] = True


def parse(user_id: str) -> tuple[int, str, int] | None:
    """(row id, token, signed-in at) from a cookie's identity, or None if it is not one of ours."""
    parts = (user_id or "").split(":")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= 18 for p in (parts[0], parts[2])):
        return None
    if not 20 <= len(parts[1]) <= 64:
        return None
    return int(parts[0]), parts[1], int(parts[2])


def token_matches(user, token: str) -> bool:
    """Whether a cookie's token is the account's current one (compared in constant time)."""
    return hmac.compare_digest(user.session_token.encode(), token.encode())


def current(user, signed_in_at: int, config) -> bool:
    """Whether this session (or remember-me cookie) of `user` is within its idle and absolute limits."""
    now = time.time()
    if session.get("_remembered") or "_seen" not in session:  # restored from the remember-me cookie
        return not user.is_staff and now - signed_in_at <= config["REMEMBER_DAYS"] * 86400
    if user.is_staff:
        idle, absolute = config["STAFF_IDLE_MINUTES"] * 60, config["STAFF_SESSION_HOURS"] * 3600
    else:
        idle, absolute = config["TRAINEE_IDLE_MINUTES"] * 60, config["TRAINEE_SESSION_DAYS"] * 86400
    return now - signed_in_at <= absolute and now - session["_seen"] <= idle


def restored_from_cookie() -> None:
    """A remember-me cookie started this session: it keeps the cookie's limits."""
    session["_remembered"] = True
    session["_seen"] = int(time.time())


def seen() -> None:
    """Note a request of the signed-in user, for the idle limit."""
    now = int(time.time())
    if now - session.get("_seen", 0) >= SEEN_EVERY:
        session["_seen"] = now
