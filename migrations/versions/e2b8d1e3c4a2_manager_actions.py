"""manager actions: a manager's "Remind those not done" of one course and due date, once a day

Revision ID: e2b8d1e3c4a2
Revises: e1a7c0d2b3f1
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b8d1e3c4a2'
down_revision = 'e1a7c0d2b3f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_reminders_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_assignment_reminders_manager_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_reminders')),
    sa.UniqueConstraint('manager_id', 'course_id', 'due_on', 'sent_on', name='uq_assignment_reminders_daily')
    )
    with op.batch_alter_table('assignment_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_reminders_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assignment_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_reminders_course_id'))
    op.drop_table('assignment_reminders')
