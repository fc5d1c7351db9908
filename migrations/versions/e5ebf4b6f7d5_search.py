"""search: one table of searchable documents, with full-text search per backend

SQLite gets an FTS5 index kept in step by triggers; PostgreSQL a GIN index over the same
to_tsvector expression the queries use (lms/search/schema.py holds both DDLs).

Revision ID: e5ebf4b6f7d5
Revises: e4dae3a5e6c4
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa

from lms.search.schema import DROP_STATEMENTS, full_text_statements


# revision identifiers, used by Alembic.
revision = 'e5ebf4b6f7d5'
down_revision = 'e4dae3a5e6c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('endpoint', sa.String(length=100), nullable=False),
    sa.Column('endpoint_args', sa.JSON(), nullable=False),
    sa.Column('context', sa.String(length=300), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    sa.UniqueConstraint('kind', 'key', name='uq_search_documents_kind_key')
    )
    for statement in full_text_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name in DROP_STATEMENTS:
        for statement in DROP_STATEMENTS[op.get_bind().dialect.name]:
            op.execute(statement)
    op.drop_table('search_documents')
