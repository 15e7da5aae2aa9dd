"""Owner requests for a column's type change, whose validation clears the column's New tag.

Revision ID: 0013_hardening_request_kinds
Revises: 0012_operability_content_mode
"""

from alembic import op

revision = "0013_hardening_request_kinds"
down_revision = "0012_operability_content_mode"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_owner_requests_kind"), "owner_requests", type_="check")
    op.create_check_constraint("kind", "owner_requests",
                               "kind IN ('column_added', 'column_deleted', 'column_type_changed')")


def downgrade() -> None:
    op.execute("DELETE FROM owner_requests WHERE kind = 'column_type_changed'")
    op.drop_constraint(op.f("ck_owner_requests_kind"), "owner_requests", type_="check")
    op.create_check_constraint("kind", "owner_requests", "kind IN ('column_added', 'column_deleted')")
