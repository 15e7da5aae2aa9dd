"""A table's change token: the platform's cheap sign that its columns may have changed since the last read.

Revision ID: 0008_performance_change_token
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_performance_change_token"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("data_objects", sa.Column("change_token", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("data_objects", "change_token")
