"""courses current version foreign key on postgresql

The published-courses migration declared courses.current_version_id -> course_versions.id with
use_alter=True inside create_table. SQLite gets it inline, but on PostgreSQL op.create_table leaves
use_alter constraints out, so the foreign key was never created there. Add it where it is missing.

Revision ID: 8f2f0a06a4cd
Revises: 62fa783be2fd
Create Date: 2026-11-28 18:21:24.489850

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f2f0a06a4cd'
down_revision = '62fa783be2fd'
branch_labels = None
depends_on = None

NAME = "fk_courses_current_version_id_course_versions"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return  # created inline with the table
    existing = {fk["name"] for fk in sa.inspect(bind).get_foreign_keys("courses")}
    if NAME not in existing:
        op.create_foreign_key(
            NAME, "courses", "course_versions", ["current_version_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    existing = {fk["name"] for fk in sa.inspect(bind).get_foreign_keys("courses")}
    if NAME in existing:
        op.drop_constraint(NAME, "courses", type_="foreignkey")
