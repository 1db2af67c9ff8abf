"""Password hashing with argon2id, and the rules a new password must meet."""

from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
MAX_LENGTH = 256


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config.get("ARGON2_PARAMETERS", {}))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common leaked passwords, plus a short list of words from this field."""
    # Deferred on purpose (the one import inside a function in lms/): the lists are megabytes, and only
    # the first password check of a process needs them.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    text = resources.files("lms").joinpath("data/common-passwords.txt").read_text()
    bundled = {line.strip().lower() for line in text.splitlines() if line.strip()}
    return frozenset(bundled | {p.lower() for p in FREQUENCY_LISTS["passwords"]})


def password_problem(password: str, *personal: str) -> str | None:
    """Why a new password is refused, or None. Length and common lists only: no composition rules."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A short sentence is easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "That password is on a list of passwords that attackers try first. Please choose another."
    if any(p and len(p) >= 4 and p.lower() in lowered for p in personal):
        return "Please do not use your email address or name in your password."
    return None
