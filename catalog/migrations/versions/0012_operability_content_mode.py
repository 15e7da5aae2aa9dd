"""Webhook endpoints choose the CloudEvents HTTP content mode: structured (the default) or binary.

Revision ID: 0012_operability_content_mode
Revises: 0011_operability_idempotency
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_operability_content_mode"
down_revision = "0011_operability_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_subscriptions",
                  sa.Column("content_mode", sa.Text(), server_default="structured", nullable=False))
    op.create_check_constraint(op.f("ck_webhook_subscriptions_content_mode"), "webhook_subscriptions",
                               "content_mode IN ('structured', 'binary')")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_webhook_subscriptions_content_mode"), "webhook_subscriptions", type_="check")
    op.drop_column("webhook_subscriptions", "content_mode")
