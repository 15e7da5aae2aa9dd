"""Columns are keyed by (table_id, name), their natural key, with no surrogate id: the id's sequence and its
index cost a first sync a third of its column writes, and nothing referred to it (owner requests name a table
and a column; the diff updates and deletes columns by their table and name).

Revision ID: 0017_columns_natural_key
Revises: 0016_outbox_json_payloads
"""

from alembic import op

revision = "0017_columns_natural_key"
down_revision = "0016_outbox_json_payloads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE columns DROP CONSTRAINT pk_columns")
    op.execute("ALTER TABLE columns DROP CONSTRAINT uq_columns_table_id")
    op.execute("ALTER TABLE columns ADD CONSTRAINT pk_columns PRIMARY KEY (table_id, name)")
    op.execute("ALTER TABLE columns DROP COLUMN id")


def downgrade() -> None:
    op.execute("ALTER TABLE columns DROP CONSTRAINT pk_columns")
    op.execute("ALTER TABLE columns ADD COLUMN id bigserial")
    op.execute("ALTER TABLE columns ADD CONSTRAINT pk_columns PRIMARY KEY (id)")
    op.execute("ALTER TABLE columns ADD CONSTRAINT uq_columns_table_id UNIQUE (table_id, name)")
