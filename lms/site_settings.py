"""Site settings an admin changes in the browser (rather than in the deployment's environment)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Model, db


class SiteSetting(Model):
    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


def get(key: str, default: str | None = None) -> str | None:
    row = db.session.get(SiteSetting, key)
    return row.value if row is not None else default


def put(key: str, value: str) -> None:
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value


def staff_two_factor_required(config) -> bool:
    """Required by the deployment (LMS_REQUIRE_STAFF_2FA) or by an admin on the users page."""
    return bool(config["REQUIRE_STAFF_2FA"]) or get("require_staff_2fa") == "1"
