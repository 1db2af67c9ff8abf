"""content candidates and publications; user.can_author and user.news_seen; content_version note

Candidate versions (lms.publishing): content trees that are not live, stored like content versions;
publications record who made which version live (publish or roll-back) with the note to trainees.

Revision ID: f3a8c2d19e60
Revises: e4d2a9c71b35
Create Date: 2026-11-30 17:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a8c2d19e60'
down_revision = 'e4d2a9c71b35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('can_author', sa.Boolean(), nullable=False, server_default='0'))  # a constant: SQLite adds it in place (an expression would rebuild the table and drop AUTOINCREMENT)
        batch.add_column(sa.Column('news_seen', sa.String(length=64), nullable=True))
    with op.batch_alter_table('content_version') as batch:
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('noted_at', sa.DateTime(), nullable=True))
    op.create_table(
        'content_candidate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('archive', sa.LargeBinary(), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('origin', sa.String(length=300), nullable=False),
        sa.Column('based_on', sa.String(length=64), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=True),
        sa.Column('error_count', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['based_on'], ['content_version.fingerprint'],
                                name=op.f('fk_content_candidate_based_on_content_version'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_content_candidate_created_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_content_candidate_updated_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_candidate')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('content_candidate') as batch:
        batch.create_index(batch.f('ix_content_candidate_fingerprint'), ['fingerprint'], unique=False)
    op.create_table(
        'content_publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=True),
        sa.Column('previous', sa.String(length=64), nullable=True),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['fingerprint'], ['content_version.fingerprint'],
                                name=op.f('fk_content_publication_fingerprint_content_version')),
        sa.ForeignKeyConstraint(['candidate_id'], ['content_candidate.id'],
                                name=op.f('fk_content_publication_candidate_id_content_candidate'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_content_publication_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_publication')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('content_publication') as batch:
        batch.create_index(batch.f('ix_content_publication_fingerprint'), ['fingerprint'], unique=False)


def downgrade():
    op.drop_table('content_publication')
    op.drop_table('content_candidate')
    with op.batch_alter_table('content_version') as batch:
        batch.drop_column('noted_at')
        batch.drop_column('note')
    with op.batch_alter_table('user', table_kwargs={"sqlite_autoincrement": True}) as batch:  # kept if SQLite rebuilds it
        batch.drop_column('news_seen')
        batch.drop_column('can_author')
