"""A column's platform identity (PostgreSQL attnum, SQL Server column_id), which proves a rename, and how long a
schema subtask's remote read took (the schema-read duration histogram).

Revision ID: 0015_operability2_column_ids
Revises: 0014_hardening2_nothing_crawled
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_operability2_column_ids"
down_revision = "0014_hardening2_nothing_crawled"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("columns", sa.Column("remote_id", sa.Text(), nullable=True))
    op.add_column("job_subtasks", sa.Column("read_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("job_subtasks", "read_seconds")
    op.drop_column("columns", "remote_id")
