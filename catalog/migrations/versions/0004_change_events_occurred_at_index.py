"""Change events by time: the retention prune finds old events without reading the recent ones.

Built CONCURRENTLY (outside the migration transaction) so a large outbox keeps taking writes meanwhile.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_change_events_occurred_at", "change_events", ["occurred_at"], unique=False,
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_change_events_occurred_at", table_name="change_events", postgresql_concurrently=True)
