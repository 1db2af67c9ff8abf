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
        batch_op.add_column(sa.Column('recertification_allowed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recertification_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_recertification_allowed_by_id_user'), 'user',
                                    ['recertification_allowed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_recertification_allowed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('recertification_reason')
        batch_op.drop_column('recertification_allowed_by_id')
        batch_op.drop_column('recertification_allowed_at')
