"""ai tools register: approved tools, AI programme settings and owners, tool reports, and
which course texts use which placeholders

Revision ID: e4dae3a5e6c4
Revises: e3c9e2f4d5b3
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4dae3a5e6c4'
down_revision = 'e3c9e2f4d5b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ai_programme_owners',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_ai_programme_owners_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ai_programme_owners_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_ai_programme_owners'))
    )
    op.create_table('ai_programme_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_url', sa.String(length=500), nullable=False),
    sa.Column('policy_title', sa.String(length=120), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_channel', sa.String(length=120), nullable=False),
    sa.Column('data_card_markdown', sa.Text(), nullable=False),
    sa.Column('data_card_html', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_ai_programme_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_programme_settings'))
    )
    op.create_table('ai_tools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('data_public', sa.String(length=12), nullable=False),
    sa.Column('data_internal', sa.String(length=12), nullable=False),
    sa.Column('data_confidential', sa.String(length=12), nullable=False),
    sa.Column('data_personal', sa.String(length=12), nullable=False),
    sa.Column('access', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('licence', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ai_tools_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_ai_tools_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_tools')),
    sa.UniqueConstraint('name_key', name=op.f('uq_ai_tools_name_key'))
    )
    op.create_table('ai_tool_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=True),
    sa.Column('tool_name', sa.String(length=100), nullable=False),
    sa.Column('tool_key', sa.String(length=100), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('pays', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('response', sa.String(length=1000), nullable=False),
    sa.Column('covered_by_id', sa.Integer(), nullable=True),
    sa.Column('covered_by_name', sa.String(length=100), nullable=False),
    sa.Column('triaged_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['covered_by_id'], ['ai_tools.id'], name=op.f('fk_ai_tool_reports_covered_by_id_ai_tools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['ai_tools.id'], name=op.f('fk_ai_tool_reports_tool_id_ai_tools'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], name=op.f('fk_ai_tool_reports_triaged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ai_tool_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_tool_reports'))
    )
    with op.batch_alter_table('ai_tool_reports', schema=None) as batch_op:
        batch_op.create_index('ix_ai_tool_reports_status', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ai_tool_reports_tool_key'), ['tool_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_ai_tool_reports_user_id'), ['user_id'], unique=False)

    op.create_table('course_placeholder_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('module_version_id', sa.Integer(), nullable=True),
    sa.Column('html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_versions.id'], name=op.f('fk_course_placeholder_templates_course_version_id_course_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_version_id'], ['module_versions.id'], name=op.f('fk_course_placeholder_templates_module_version_id_module_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_placeholder_templates'))
    )
    with op.batch_alter_table('course_placeholder_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_placeholder_templates_course_version_id'), ['course_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_placeholder_templates_module_version_id'), ['module_version_id'], unique=False)

    op.create_table('course_placeholder_uses',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['template_id'], ['course_placeholder_templates.id'], name=op.f('fk_course_placeholder_uses_template_id_course_placeholder_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('template_id', 'key', name=op.f('pk_course_placeholder_uses'))
    )
    with op.batch_alter_table('course_placeholder_uses', schema=None) as batch_op:
        batch_op.create_index('ix_course_placeholder_uses_key', ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('course_placeholder_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_course_placeholder_uses_key')

    op.drop_table('course_placeholder_uses')
    with op.batch_alter_table('course_placeholder_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_placeholder_templates_module_version_id'))
        batch_op.drop_index(batch_op.f('ix_course_placeholder_templates_course_version_id'))

    op.drop_table('course_placeholder_templates')
    with op.batch_alter_table('ai_tool_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ai_tool_reports_user_id'))
        batch_op.drop_index(batch_op.f('ix_ai_tool_reports_tool_key'))
        batch_op.drop_index('ix_ai_tool_reports_status')

    op.drop_table('ai_tool_reports')
    op.drop_table('ai_tools')
    op.drop_table('ai_programme_settings')
    op.drop_table('ai_programme_owners')
