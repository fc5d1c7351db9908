"""team reminders: a manager's reminder to someone in their team, at most one per day

Revision ID: c3e8a1f5d2b9
Revises: 309ce3dcb34c
Create Date: 2026-12-03 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e8a1f5d2b9'
down_revision = '309ce3dcb34c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_team_reminders_manager_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_team_reminders_person_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_reminders')),
    sa.UniqueConstraint('person_id', 'manager_id', 'sent_on', name='uq_team_reminders_daily')
    )
    with op.batch_alter_table('team_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_team_reminders_person', ['person_id', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('team_reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_team_reminders_person')
    op.drop_table('team_reminders')
