"""Platform integrations: numeric ids, their lifecycle status, validation results and the connection they serve.

Revision ID: 0010_reference_api_integrations
Revises: 0009_performance_subtask_batches
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_reference_api_integrations"
down_revision = "0009_performance_subtask_batches"
branch_labels = None
depends_on = None

STATUSES = (
    "creating", "enabled", "editing", "deleting", "deleted", "disabled", "migrating",
    "createError", "editError", "deleteError", "migrateError", "recurringValidationError",
)


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("auto_bootstrap", sa.Boolean(), nullable=False),
        sa.Column("config", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("credentials_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("validation_results", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("script_version", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ({})".format(", ".join(f"'{s}'" for s in STATUSES)),
                           name=op.f("ck_integrations_status")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_integrations_connection_id_connections"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
    )
    op.create_index(op.f("ix_integrations_host"), "integrations", ["host"])
    op.create_index(op.f("ix_integrations_connection_id"), "integrations", ["connection_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_integrations_connection_id"), table_name="integrations")
    op.drop_index(op.f("ix_integrations_host"), table_name="integrations")
    op.drop_table("integrations")
