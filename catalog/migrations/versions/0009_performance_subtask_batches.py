"""A large schema is crawled as name-range batches: a subtask per (schema, batch), each with its table-name range
and the whole schema's deletion counts (the mass-deletion guard is counted over the schema, not the batch).

Revision ID: 0009_performance_subtask_batches
Revises: 0008_performance_change_token
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_performance_subtask_batches"
down_revision = "0008_performance_change_token"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("job_subtasks", sa.Column("batch", sa.Integer(), server_default="0", nullable=False))
    op.add_column("job_subtasks", sa.Column("batch_range", postgresql.JSONB(), nullable=True))
    op.drop_constraint("uq_job_subtasks_job_id", "job_subtasks", type_="unique")
    op.create_unique_constraint("uq_job_subtasks_job_id", "job_subtasks", ["job_id", "database", "schema", "batch"])


def downgrade() -> None:
    op.execute("DELETE FROM job_subtasks WHERE batch > 0")
    op.drop_constraint("uq_job_subtasks_job_id", "job_subtasks", type_="unique")
    op.create_unique_constraint("uq_job_subtasks_job_id", "job_subtasks", ["job_id", "database", "schema"])
    op.drop_column("job_subtasks", "batch_range")
    op.drop_column("job_subtasks", "batch")
