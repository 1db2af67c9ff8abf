"""Read-side queries about certificates that other features need."""
from sqlalchemy import select

from ..extensions import db
from .models import Certificate


def certificates_of(user_id: int) -> list[Certificate]:
    """The holder's certificates, newest first (replaced ones included, so history is visible)."""
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                   .order_by(Certificate.issued_at.desc())))
