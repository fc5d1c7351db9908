"""baseline progress: a baseline taken one question per page, and the levels it ended with

Revision ID: e1a7c0d2b3f1
Revises: c3e8a1f5d2b9
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c0d2b3f1'
down_revision = 'c3e8a1f5d2b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('baseline_progress',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('self_rated', sa.JSON(), nullable=True),
    sa.Column('measured', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_baseline_progress_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_baseline_progress'))
    )


def downgrade():
    op.drop_table('baseline_progress')
