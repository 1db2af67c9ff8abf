"""scoring decision by decision (format v2): attempts record their possible score and the rule that scored them

Revision ID: a7c3e91f0b24
Revises: 47ae2141f73d
Create Date: 2026-11-30 14:30:00

Attempts finished before this revision were scored as a percent of the longest route's maximum
(rule 1); they keep that result. Their `maximum` becomes `possible` unchanged, and `scoring_rule`
says which rule produced it.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e91f0b24'
down_revision = '47ae2141f73d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.alter_column('maximum', new_column_name='possible', existing_type=sa.Integer())
        batch.add_column(sa.Column('scoring_rule', sa.Integer(), nullable=True))
    op.execute("UPDATE attempt SET scoring_rule = 1 WHERE state IN ('passed', 'failed')")


def downgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('scoring_rule')
        batch.alter_column('possible', new_column_name='maximum', existing_type=sa.Integer())
