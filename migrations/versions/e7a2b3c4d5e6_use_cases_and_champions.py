"""use cases and champions: AI champions' offers, shared use cases with their areas, "I tried
this" marks and removal reports

Revision ID: e7a2b3c4d5e6
Revises: e6f1a2b3c4d5
Create Date: 2026-12-03 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a2b3c4d5e6'
down_revision = 'e6f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ai_champions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_function', sa.String(length=40), nullable=False),
    sa.Column('team_only', sa.Boolean(), nullable=False),
    sa.Column('why', sa.String(length=500), nullable=False),
    sa.Column('helps_with', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_ai_champions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ai_champions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_champions')),
    sa.UniqueConstraint('user_id', name=op.f('uq_ai_champions_user_id'))
    )
    with op.batch_alter_table('ai_champions', schema=None) as batch_op:
        batch_op.create_index('ix_ai_champions_status_function', ['status', 'job_function'], unique=False)

    op.create_table('use_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('task', sa.Text(), nullable=False),
    sa.Column('task_html', sa.Text(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=True),
    sa.Column('tool_name', sa.String(length=100), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('steps_html', sa.Text(), nullable=False),
    sa.Column('checks', sa.Text(), nullable=False),
    sa.Column('checks_html', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('risks_html', sa.Text(), nullable=False),
    sa.Column('minutes_saved', sa.Integer(), nullable=True),
    sa.Column('job_function', sa.String(length=40), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.String(length=1000), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_use_cases_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_use_cases_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['ai_tools.id'], name=op.f('fk_use_cases_tool_id_ai_tools'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_cases'))
    )
    with op.batch_alter_table('use_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_use_cases_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_cases_job_function'), ['job_function'], unique=False)
        batch_op.create_index('ix_use_cases_status_published', ['status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_cases_tool_id'), ['tool_id'], unique=False)

    op.create_table('use_case_areas',
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_cases.id'], name=op.f('fk_use_case_areas_use_case_id_use_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('use_case_id', 'area', name=op.f('pk_use_case_areas'))
    )
    with op.batch_alter_table('use_case_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_use_case_areas_area'), ['area'], unique=False)

    op.create_table('use_case_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_use_case_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_cases.id'], name=op.f('fk_use_case_reports_use_case_id_use_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_use_case_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_case_reports')),
    sa.UniqueConstraint('use_case_id', 'user_id', name=op.f('uq_use_case_reports_use_case_id_user_id'))
    )
    with op.batch_alter_table('use_case_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_use_case_reports_user_id'), ['user_id'], unique=False)

    op.create_table('use_case_tries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes_saved', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['use_case_id'], ['use_cases.id'], name=op.f('fk_use_case_tries_use_case_id_use_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_use_case_tries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_case_tries')),
    sa.UniqueConstraint('use_case_id', 'user_id', name=op.f('uq_use_case_tries_use_case_id_user_id'))
    )
    with op.batch_alter_table('use_case_tries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_use_case_tries_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('use_case_tries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_case_tries_user_id'))

    op.drop_table('use_case_tries')
    with op.batch_alter_table('use_case_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_case_reports_user_id'))

    op.drop_table('use_case_reports')
    with op.batch_alter_table('use_case_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_case_areas_area'))

    op.drop_table('use_case_areas')
    with op.batch_alter_table('use_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_cases_tool_id'))
        batch_op.drop_index('ix_use_cases_status_published')
        batch_op.drop_index(batch_op.f('ix_use_cases_job_function'))
        batch_op.drop_index(batch_op.f('ix_use_cases_author_id'))

    op.drop_table('use_cases')
    with op.batch_alter_table('ai_champions', schema=None) as batch_op:
        batch_op.drop_index('ix_ai_champions_status_function')

    op.drop_table('ai_champions')
