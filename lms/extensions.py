"""Flask extensions, created once here and bound to the app in the factory."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase

from .csrf import RememberingCSRFProtect
from .ratelimit import RateLimits


class Base(DeclarativeBase):
    # Named constraints so that Alembic migrations (and SQLite batch mode) can refer to them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


@event.listens_for(Table, "after_parent_attach")
def _sqlite_autoincrement(table: Table, parent) -> None:
    """Every table of the app gets AUTOINCREMENT on SQLite: a deleted row's id is never handed out again
    (without it SQLite reuses the highest id, and whatever still names that id would point at a new row)."""
    if parent is Base.metadata:
        table.dialect_options["sqlite"]["autoincrement"] = True


db = SQLAlchemy(model_class=Base)
# The base class of every table. Flask-SQLAlchemy builds db.Model (a subclass of Base) at run time,
# which a type checker cannot follow; for it, the tables derive from Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = RememberingCSRFProtect()
limiter = RateLimits()
