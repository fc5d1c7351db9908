"""honest measurement: shuffled options, evidence flag, attempt grants, time accommodations,
measured difficulty

Revision ID: a9e1c0f2b7d4
Revises: eebc0ea8cd35
Create Date: 2026-12-03 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9e1c0f2b7d4'
down_revision = 'eebc0ea8cd35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.add_column(sa.Column('option_orders', sa.JSON(), nullable=True))
    with op.batch_alter_table('attempt_answers') as batch_op:
        batch_op.add_column(
            sa.Column('counts', sa.Boolean(), server_default='1', nullable=False)
        )
    with op.batch_alter_table('question_versions') as batch_op:
        batch_op.add_column(
            sa.Column('pin_last', sa.Boolean(), server_default='0', nullable=False)
        )
    op.create_table('attempt_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_attempt_grants_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_attempt_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attempt_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_grants'))
    )
    with op.batch_alter_table('attempt_grants', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_grants_user_course', ['user_id', 'course_id'], unique=False)
    op.create_table('time_accommodations',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('multiplier', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_time_accommodations_set_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_time_accommodations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_time_accommodations'))
    )
    op.create_table('measured_difficulties',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('difficulty', sa.Integer(), nullable=False),
    sa.Column('facility', sa.Float(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_measured_difficulties_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_measured_difficulties'))
    )


def downgrade():
    op.drop_table('measured_difficulties')
    op.drop_table('time_accommodations')
    with op.batch_alter_table('attempt_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_grants_user_course')
    op.drop_table('attempt_grants')
    with op.batch_alter_table('question_versions') as batch_op:
        batch_op.drop_column('pin_last')
    with op.batch_alter_table('attempt_answers') as batch_op:
        batch_op.drop_column('counts')
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.drop_column('option_orders')
