"""attempt draft: a trainee's unsent written answer, kept on the open attempt until the answer is submitted

Revision ID: e4d2a9c71b35
Revises: b7e3c1a9d4f2
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e4d2a9c71b35'
down_revision = 'b7e3c1a9d4f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('draft', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('draft')
