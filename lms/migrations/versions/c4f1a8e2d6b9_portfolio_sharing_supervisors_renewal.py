"""portfolio sharing: share links, supervisors' single-use links, renewal reminders, the supervisor role

Revision ID: c4f1a8e2d6b9
Revises: 7c17aa96b859
Create Date: 2026-11-30 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4f1a8e2d6b9'
down_revision = '7c17aa96b859'
branch_labels = None
depends_on = None


def upgrade():
    # Recreated on SQLite: keep AUTOINCREMENT (revision b7e3c1a9d4f2), so no id is ever handed out twice.
    with op.batch_alter_table('user', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('role', type_='check')
        batch_op.create_check_constraint('role', "role IN ('trainee', 'trainer', 'admin', 'supervisor')")
    op.create_table(
        'portfolio_share',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('pathway_slug', sa.String(length=100), nullable=False),
        sa.Column('selection', sa.JSON(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('credential', sa.Text(), nullable=False),
        sa.Column('status_index', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_portfolio_share_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_share')),
        sa.UniqueConstraint('status_index', name=op.f('uq_portfolio_share_status_index')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_portfolio_share_token_hash')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('portfolio_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_share_user_id'), ['user_id'], unique=False)
    op.create_table(
        'supervisor_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_kind', sa.String(length=20), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('entry_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('sent_to', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisor_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_supervisor_link_token_hash')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('supervisor_link', schema=None) as batch_op:
        batch_op.create_index('ix_supervisor_link_entry', ['entry_kind', 'entry_id'], unique=False)
    op.create_table(
        'renewal_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('days_before', sa.Integer(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_renewal_reminder_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_reminder')),
        sa.UniqueConstraint('user_id', 'deadline', 'days_before', name='uq_renewal_reminder_once'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('renewal_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_reminder_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('renewal_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_reminder_user_id'))
    op.drop_table('renewal_reminder')
    with op.batch_alter_table('supervisor_link', schema=None) as batch_op:
        batch_op.drop_index('ix_supervisor_link_entry')
    op.drop_table('supervisor_link')
    with op.batch_alter_table('portfolio_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_share_user_id'))
    op.drop_table('portfolio_share')
    op.execute("UPDATE \"user\" SET role = 'trainee' WHERE role = 'supervisor'")
    # Recreated on SQLite: keep AUTOINCREMENT (revision b7e3c1a9d4f2), so no id is ever handed out twice.
    with op.batch_alter_table('user', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('role', type_='check')
        batch_op.create_check_constraint('role', "role IN ('trainee', 'trainer', 'admin')")
