"""a revoked certificate binds its holder until a trainer allows re-certification

Revision ID: 5e3c1b7a9d20
Revises: a7c3e91f0b24
Create Date: 2026-11-30 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e3c1b7a9d20'
down_revision = 'a7c3e91f0b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recertification_allowed_at', sa.DateTime(), nullable=True))
        # who decided: the audit pseudonym (user:<uuid>), a snapshot that never becomes NULL or another person
        batch_op.add_column(sa.Column('recertification_allowed_by', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('recertification_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('recertification_reason')
        batch_op.drop_column('recertification_allowed_by')
        batch_op.drop_column('recertification_allowed_at')
