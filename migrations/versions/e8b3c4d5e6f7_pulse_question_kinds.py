"""pulse question kinds (slot, filled by its feature)

Revision ID: e8b3c4d5e6f7
Revises: e7a2b3c4d5e6
Create Date: 2026-12-03 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b3c4d5e6f7'
down_revision = 'e7a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pulse_question_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['pulse_questions.id'], name=op.f('fk_pulse_question_options_question_id_pulse_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_question_options')),
    sa.UniqueConstraint('question_id', 'key', name=op.f('uq_pulse_question_options_question_id_key')),
    sa.UniqueConstraint('question_id', 'value', name=op.f('uq_pulse_question_options_question_id_value'))
    )


def downgrade():
    op.drop_table('pulse_question_options')
