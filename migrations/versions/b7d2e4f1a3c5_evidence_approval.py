"""evidence approval: a course version's answers count as level evidence once approved

Revision ID: b7d2e4f1a3c5
Revises: a9e1c0f2b7d4
Create Date: 2026-12-03 16:05:00

Versions published before this revision keep counting: they are marked approved as of their
publication (the rule applies to what is published from now on).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e4f1a3c5'
down_revision = 'a9e1c0f2b7d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_course_versions_approved_by_id_users'), 'users', ['approved_by_id'],
            ['id'], ondelete='SET NULL',
        )
    op.execute("UPDATE course_versions SET approved_at = published_at")


def downgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_course_versions_approved_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
