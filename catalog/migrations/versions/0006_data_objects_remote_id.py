"""The platform's own identity of a table or view (table_id, oid, object_id…), to notice a drop and re-create.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("data_objects", sa.Column("remote_id", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("data_objects", "remote_id")
