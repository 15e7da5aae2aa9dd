"""A column's tags default to none in the table itself, so a new table's columns are copied without them.

Revision ID: 0019_columns_tags_default
Revises: 0018_outbox_lz4_payloads
"""

from alembic import op

revision = "0019_columns_tags_default"
down_revision = "0018_outbox_lz4_payloads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE columns ALTER COLUMN tags SET DEFAULT '{}'")


def downgrade() -> None:
    op.execute("ALTER TABLE columns ALTER COLUMN tags DROP DEFAULT")
