"""office hours: sessions and series, their audiences, sign-ups with the waitlist, attendance
and the "did this help?" answer

Revision ID: e6f1a2b3c4d5
Revises: e5ebf4b6f7d5
Create Date: 2026-12-03 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6f1a2b3c4d5'
down_revision = 'e5ebf4b6f7d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('office_hours_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_office_hours_series_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hours_series'))
    )
    op.create_table('office_hours_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('room', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= capacity', name=op.f('ck_office_hours_sessions_seats')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_office_hours_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_office_hours_sessions_host_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['office_hours_series.id'], name=op.f('fk_office_hours_sessions_series_id_office_hours_series'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hours_sessions'))
    )
    with op.batch_alter_table('office_hours_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hours_sessions_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hours_sessions_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_office_hours_sessions_starts_at', ['starts_at'], unique=False)

    op.create_table('office_hours_audiences',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('job_function', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['office_hours_sessions.id'], name=op.f('fk_office_hours_audiences_session_id_office_hours_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'job_function', name=op.f('pk_office_hours_audiences'))
    )
    op.create_table('office_hours_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('attended_at', sa.DateTime(), nullable=True),
    sa.Column('helpful', sa.String(length=12), nullable=True),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['office_hours_sessions.id'], name=op.f('fk_office_hours_signups_session_id_office_hours_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_office_hours_signups_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hours_signups')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_office_hours_signups_session_id_user_id'))
    )
    with op.batch_alter_table('office_hours_signups', schema=None) as batch_op:
        batch_op.create_index('ix_office_hours_signups_queue', ['session_id', 'status', 'queued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hours_signups_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('office_hours_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_hours_signups_user_id'))
        batch_op.drop_index('ix_office_hours_signups_queue')

    op.drop_table('office_hours_signups')
    op.drop_table('office_hours_audiences')
    with op.batch_alter_table('office_hours_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_office_hours_sessions_starts_at')
        batch_op.drop_index(batch_op.f('ix_office_hours_sessions_series_id'))
        batch_op.drop_index(batch_op.f('ix_office_hours_sessions_host_id'))

    op.drop_table('office_hours_sessions')
    op.drop_table('office_hours_series')
