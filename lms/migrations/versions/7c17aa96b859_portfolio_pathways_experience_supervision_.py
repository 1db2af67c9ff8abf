"""portfolio: pathway choices, evidence files, outside training, experience, supervision, exam results,
board certifications and continuing education (issue #16)

Revision ID: 7c17aa96b859
Revises: f3a8c2d19e60
Create Date: 2026-11-30 16:52:06.105311
"""
from alembic import op
import sqlalchemy as sa


revision = '7c17aa96b859'
down_revision = 'f3a8c2d19e60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_certification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pathway_slug', sa.String(length=100), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=False),
    sa.Column('certified_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_board_certification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_certification')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('board_certification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_certification_user_id'), ['user_id'], unique=False)

    op.create_table('exam_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pathway_slug', sa.String(length=100), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_exam_result_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_result')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('exam_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_result_user_id'), ['user_id'], unique=False)

    op.create_table('experience_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('setting', sa.String(length=200), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('supervisor_name', sa.String(length=200), nullable=False),
    sa.Column('supervisor_email', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decider_comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'confirmed', 'declined')", name=op.f('ck_experience_entry_state')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 1440', name=op.f('ck_experience_entry_minutes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_experience_entry_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_experience_entry_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experience_entry')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('experience_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experience_entry_supervisor_email'), ['supervisor_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_experience_entry_user_id'), ['user_id'], unique=False)

    op.create_table('pathway_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pathway_slug', sa.String(length=100), nullable=False),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_pathway_choice_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway_choice')),
    sa.UniqueConstraint('user_id', 'pathway_slug', name='uq_pathway_choice'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('pathway_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathway_choice_user_id'), ['user_id'], unique=False)

    op.create_table('portfolio_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_portfolio_evidence_size')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_portfolio_evidence_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_evidence')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('portfolio_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_evidence_user_id'), ['user_id'], unique=False)

    op.create_table('supervision_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('supervisor_name', sa.String(length=200), nullable=False),
    sa.Column('supervisor_email', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decider_comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("format IN ('individual', 'group')", name=op.f('ck_supervision_session_format')),
    sa.CheckConstraint("state IN ('pending', 'confirmed', 'declined')", name=op.f('ck_supervision_session_state')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 1440', name=op.f('ck_supervision_session_minutes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_supervision_session_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_supervision_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_session')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_session_supervisor_email'), ['supervisor_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_session_user_id'), ['user_id'], unique=False)

    op.create_table('continuing_education',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.Column('ethics_hours', sa.Double(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decider_comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined')", name=op.f('ck_continuing_education_state')),
    sa.CheckConstraint('hours > 0 AND ethics_hours >= 0 AND ethics_hours <= hours', name=op.f('ck_continuing_education_hours')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_continuing_education_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['portfolio_evidence.id'], name=op.f('fk_continuing_education_evidence_id_portfolio_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_continuing_education_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_continuing_education')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('continuing_education', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_continuing_education_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_continuing_education_user_id'), ['user_id'], unique=False)

    op.create_table('outside_training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.JSON(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decider_comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined')", name=op.f('ck_outside_training_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_outside_training_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['portfolio_evidence.id'], name=op.f('fk_outside_training_evidence_id_portfolio_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_outside_training_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_training')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outside_training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_training_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outside_training_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outside_training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_training_user_id'))
        batch_op.drop_index(batch_op.f('ix_outside_training_evidence_id'))

    op.drop_table('outside_training')
    with op.batch_alter_table('continuing_education', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_continuing_education_user_id'))
        batch_op.drop_index(batch_op.f('ix_continuing_education_evidence_id'))

    op.drop_table('continuing_education')
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_session_supervisor_email'))

    op.drop_table('supervision_session')
    with op.batch_alter_table('portfolio_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_evidence_user_id'))

    op.drop_table('portfolio_evidence')
    with op.batch_alter_table('pathway_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_choice_user_id'))

    op.drop_table('pathway_choice')
    with op.batch_alter_table('experience_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experience_entry_user_id'))
        batch_op.drop_index(batch_op.f('ix_experience_entry_supervisor_email'))

    op.drop_table('experience_entry')
    with op.batch_alter_table('exam_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_result_user_id'))

    op.drop_table('exam_result')
    with op.batch_alter_table('board_certification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_certification_user_id'))

    op.drop_table('board_certification')
