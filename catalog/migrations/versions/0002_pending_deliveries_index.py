"""Pending webhook deliveries by endpoint and event: finding an endpoint's next delivery stays one index probe
however much delivery history piles up.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_pending", "webhook_deliveries", ["subscription_id", "event_id"],
        unique=False, postgresql_where="status = 'pending'",
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_pending", table_name="webhook_deliveries")
