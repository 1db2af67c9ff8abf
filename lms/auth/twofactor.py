"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) for staff accounts."""

from datetime import datetime

import pyotp
import segno
from markupsafe import Markup

ISSUER = "Peer Specialist Training"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning(secret: str, email: str) -> tuple[str, Markup]:
    """The otpauth:// address and a QR code of it (inline SVG) for an authenticator app."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, title="QR code for your authenticator app")
    return uri, Markup(svg)  # nosec B704


def accept(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step of a valid, unused code (one step of clock drift allowed), else None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now())
    for step in (now - 1, now, now + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None
