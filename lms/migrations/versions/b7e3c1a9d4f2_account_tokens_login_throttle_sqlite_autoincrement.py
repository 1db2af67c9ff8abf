"""account tokens in cookies, pending two-factor secret, login throttle; AUTOINCREMENT on every SQLite table

Revision ID: b7e3c1a9d4f2
Revises: b7e3c91a5d20
Create Date: 2026-11-30 14:30:00

Cookies named an account by "id:session_version", and SQLite handed a deleted account's id to the
next account, so old cookies signed in as the new account. Cookies now carry a random per-account
token, and on SQLite every table with an integer key is rebuilt with AUTOINCREMENT, so no id is
handed out twice. (PostgreSQL sequences never reuse ids.)
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'b7e3c1a9d4f2'
down_revision = 'b7e3c91a5d20'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # SQLite rebuilds tables here; lms/migrations/env.py runs every migration with foreign keys off, so
    # dropping a table during a rebuild cannot delete or null its children's rows.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('totp_pending', sa.String(length=64), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(user.c.id)).all():
        # Every account gets its own token; every existing session and remember-me cookie stops working.
        bind.execute(user.update().where(user.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('session_version')
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle'))
    )
    if sqlite:
        _set_autoincrement(bind, True)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _set_autoincrement(bind, False)
    op.drop_table('login_throttle')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_column('totp_pending')
        batch_op.drop_column('session_token')


def _integer_keyed_tables(bind) -> list[str]:
    inspector = sa.inspect(bind)
    names = []
    for name in inspector.get_table_names():
        if name.startswith(("sqlite_", "alembic_")):
            continue
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        if len(key) == 1 and isinstance(columns[key[0]]["type"], sa.Integer):
            names.append(name)
    return names


def _set_autoincrement(bind, on: bool) -> None:
    """Rebuild every table with an integer key, with (or without) SQLite's AUTOINCREMENT."""
    for name in _integer_keyed_tables(bind):
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": on}):
            pass

