"""Change event payloads are stored as text: PostgreSQL's json input parses every document it stores, about a
tenth of a second of the catalog's time per 10,000 first-sync payloads (each carries its table's dictionary),
to validate JSON the service itself wrote. The one query that looks into payloads casts them. lz4 compression is
kept where the server has it (changing the type resets it).

Revision ID: 0020_outbox_text_payloads
Revises: 0019_columns_tags_default
"""

from alembic import op

revision = "0020_outbox_text_payloads"
down_revision = "0019_columns_tags_default"
branch_labels = None
depends_on = None

_LZ4_WHERE_AVAILABLE = """
    DO $$
    BEGIN
        IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
            ALTER TABLE change_events ALTER COLUMN payload SET COMPRESSION lz4;
        END IF;
    END $$"""


def upgrade() -> None:
    op.execute("ALTER TABLE change_events ALTER COLUMN payload TYPE text USING payload::text")
    op.execute(_LZ4_WHERE_AVAILABLE)


def downgrade() -> None:
    op.execute("ALTER TABLE change_events ALTER COLUMN payload TYPE json USING payload::json")
    op.execute(_LZ4_WHERE_AVAILABLE)
