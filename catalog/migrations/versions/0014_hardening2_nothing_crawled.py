"""Why a crawl read nothing: jobs.nothing_crawled {reason, message}, null when it read something.

Revision ID: 0014_hardening2_nothing_crawled
Revises: 0013_hardening_request_kinds
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_hardening2_nothing_crawled"
down_revision = "0013_hardening_request_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("nothing_crawled", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("jobs", "nothing_crawled")
