"""Change event payloads are compressed with lz4 where the server has it: a first sync's object.created payloads
carry each table's dictionary (several KiB, so PostgreSQL compresses them), and pglz spent about twice lz4's
server time on them. Values already stored keep their compression; a server built without lz4 keeps pglz.

Revision ID: 0018_outbox_lz4_payloads
Revises: 0017_columns_natural_key
"""

from alembic import op

revision = "0018_outbox_lz4_payloads"
down_revision = "0017_columns_natural_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        DO $$
        BEGIN
            IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
                ALTER TABLE change_events ALTER COLUMN payload SET COMPRESSION lz4;
            END IF;
        END $$""")


def downgrade() -> None:
    op.execute("ALTER TABLE change_events ALTER COLUMN payload SET COMPRESSION default")
