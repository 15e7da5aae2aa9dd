"""Change event payloads are stored as json, not jsonb: the outbox passes documents on as they were written and
queries one key of them at most, so parsing each into jsonb on insert (and printing it back on every relay and
feed read) was work for nothing; a first sync writes ten thousands of payloads that carry a table's dictionary.

Revision ID: 0016_outbox_json_payloads
Revises: 0015_operability2_column_ids
"""

from alembic import op

revision = "0016_outbox_json_payloads"
down_revision = "0015_operability2_column_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE change_events ALTER COLUMN payload TYPE json USING payload::json")


def downgrade() -> None:
    op.execute("ALTER TABLE change_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
