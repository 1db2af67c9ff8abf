"""lesson progress section: the section of a lesson a trainee last opened, for "Continue" on a phone

Revision ID: c5a1e7d93b40
Revises: c4f1a8e2d6b9
Create Date: 2026-11-30 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c5a1e7d93b40'
down_revision = 'c4f1a8e2d6b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_progress') as batch:
        batch.add_column(sa.Column('section', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('lesson_progress') as batch:
        batch.drop_column('section')
