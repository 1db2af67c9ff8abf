"""Certificate IDs: 95 random bits as 19 Crockford base32 characters plus a check character.

Shown in five groups of four, e.g. `7KQ2-M9XD-4RTV-H3NB-C8WF`. The check character is Luhn mod 32
over the same alphabet (Crockford's own check symbols include *~$= that are awkward to type or put
in a URL); it catches every single mistyped character and nearly every swap of two neighbours, so a typo
is answered before any lookup.
"""

import secrets
import unicodedata
from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford decoding: letters people confuse with digits read as those digits.
_ALIASES = {"O": "0", "I": "1", "L": "1"}
RANDOM_CHARS = 19
LENGTH = RANDOM_CHARS + 1


class InvalidId(ValueError):
    """An ID that cannot be right; the message says why, in plain words."""


def _check_char(body: str) -> str:
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_id() -> str:
    """A fresh random ID from the operating system's CSPRNG, formatted for people."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return format_id(body + _check_char(body))


def format_id(compact: str) -> str:
    return "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def normalise(text: str) -> str:
    """The canonical form of a typed or pasted ID, or InvalidId with a helpful message."""
    if text and len(text) <= 64:
        return _normalise_short(text)  # IDs verified again and again: remembered (errors are not)
    return _normalise(text)


@lru_cache(maxsize=4096)
def _normalise_short(text: str) -> str:
    return _normalise(text)


def _normalise(text: str) -> str:
    # Spaces of every kind, dashes of every kind (hyphen, en dash, minus sign) and invisible characters
    # that come along with copy and paste (zero-width space, byte-order mark) are ignored.
    compact = "".join(
        ch
        for ch in (text or "").upper()
        if not (ch.isspace() or ch == "\u2212" or unicodedata.category(ch) in ("Pd", "Cf", "Zs"))
    )
    compact = "".join(_ALIASES.get(ch, ch) for ch in compact)
    if not compact:
        raise InvalidId("Please type the certificate ID, for example 7KQ2-M9XD-4RTV-H3NB-C8WF.")
    bad = sorted({ch for ch in compact if ch not in _VALUE})
    if bad:
        raise InvalidId(f"A certificate ID never contains {', '.join(repr(c) for c in bad)}. Please check the ID.")
    if len(compact) != LENGTH:
        raise InvalidId(
            f"A certificate ID has {LENGTH} letters and digits; this one has {len(compact)}. Please check the ID."
        )
    if _check_char(compact[:-1]) != compact[-1]:
        raise InvalidId(
            "This ID has a typing mistake: one of the characters is wrong or two are swapped. Please check the ID."
        )
    return format_id(compact)
