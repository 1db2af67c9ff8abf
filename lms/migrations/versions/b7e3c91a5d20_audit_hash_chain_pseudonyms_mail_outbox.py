"""audit log hash chain and pseudonymous actors; user.uuid; certificate.status_changed_by snapshot; mail outbox

Revision ID: b7e3c91a5d20
Revises: 5e3c1b7a9d20
Create Date: 2026-11-30 14:30:00

Existing rows are carried over: every account gets a random uuid; audit actors and "user:<id>"
subjects become "user:<uuid>" (an event older than the account now holding that id belonged to an
earlier, deleted account, and gets a pseudonym of its own); the chain is then computed over the
events in id order, so `flask --app lms audit verify` passes on an upgraded database.
"""
import hashlib
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = 'b7e3c91a5d20'
down_revision = '5e3c1b7a9d20'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _canonical(row) -> bytes:
    # Must give the same bytes as lms.audit.canonical for the same stored values.
    return json.dumps({"at": row["at"].isoformat(timespec="microseconds"), "actor": row["actor"], "action": row["action"],
                       "subject": row["subject"], "details": row["details"], "ip": row["ip"], "prev_hash": row["prev_hash"]},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uuid', sa.String(length=36), nullable=True))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('uuid', sa.String), sa.column('created_at', sa.DateTime))
    accounts = {}
    for user_id, created_at in bind.execute(sa.select(user.c.id, user.c.created_at)).all():
        accounts[user_id] = (str(uuid.uuid4()), created_at)
        bind.execute(user.update().where(user.c.id == user_id).values(uuid=accounts[user_id][0]))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('uuid', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_uuid'), ['uuid'])

    earlier = {}  # pseudonyms for accounts that were deleted before this upgrade, by their old id

    def ref(user_id, at):
        if user_id is None:
            return None
        current = accounts.get(user_id)
        if current is not None and (at is None or current[1] is None or at >= current[1]):
            return f"user:{current[0]}"
        return f"user:{earlier.setdefault(user_id, str(uuid.uuid4()))}"

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    event = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('actor_id', sa.Integer), sa.column('actor', sa.String), sa.column('action', sa.String),
                     sa.column('subject', sa.String), sa.column('details', sa.JSON), sa.column('ip', sa.String),
                     sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    previous = GENESIS
    for row in bind.execute(sa.select(event).order_by(event.c.id)).mappings().all():
        row = dict(row)
        row["actor"] = ref(row["actor_id"], row["at"])
        subject = row["subject"] or ""
        if subject.startswith("user:") and subject[5:].isdigit():
            row["subject"] = ref(int(subject[5:]), row["at"])
        row["prev_hash"] = previous
        previous = hashlib.sha256(_canonical(row)).hexdigest()
        bind.execute(event.update().where(event.c.id == row["id"]).values(
            actor=row["actor"], subject=row["subject"], prev_hash=row["prev_hash"], hash=previous))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_event_actor_id_user', type_='foreignkey')
        batch_op.drop_column('actor_id')
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_prev_hash'), ['prev_hash'])
        batch_op.create_index(batch_op.f('ix_audit_event_actor'), ['actor'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_changed_by', sa.String(length=50), nullable=True))
    cert = sa.table('certificate', sa.column('id', sa.String), sa.column('status_changed_by_id', sa.Integer),
                    sa.column('status_changed_by', sa.String), sa.column('status_changed_at', sa.DateTime))
    for cert_id, by_id, at in bind.execute(sa.select(cert.c.id, cert.c.status_changed_by_id, cert.c.status_changed_at)
                                           .where(cert.c.status_changed_by_id.is_not(None))).all():
        bind.execute(cert.update().where(cert.c.id == cert_id).values(status_changed_by=ref(by_id, at)))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('fk_certificate_status_changed_by_id_user', type_='foreignkey')
        batch_op.drop_column('status_changed_by_id')

    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_status'), ['status'], unique=False)


def downgrade():
    # Pseudonyms cannot be turned back into the ids of accounts that no longer exist: actors are dropped.
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_status'))
    op.drop_table('mail_outbox')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_changed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_certificate_status_changed_by_id_user', 'user', ['status_changed_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_column('status_changed_by')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_actor'))
        batch_op.drop_constraint(batch_op.f('uq_audit_event_prev_hash'), type_='unique')
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_audit_event_actor_id_user', 'user', ['actor_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('actor')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_uuid'), type_='unique')
        batch_op.drop_column('uuid')
