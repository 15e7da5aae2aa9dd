"""Connection tags are derived from their object when read (catalog/connection_tags.py), no longer stored: every
crawl batch rewrote them for its tables (two statements, and ten thousand rows on a large first sync), and a
status change had to refresh them. The stored ones go, in the current format and the former `Connections.` one.

Revision ID: 0021_derived_connection_tags
Revises: 0020_outbox_text_payloads
"""

from alembic import op

revision = "0021_derived_connection_tags"
down_revision = "0020_outbox_text_payloads"
branch_labels = None
depends_on = None

#: How each technology was spelled in the tags, as of this revision.
_TECHNOLOGY_DISPLAY = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "sqlserver": "SQL Server",
                       "azuresql": "Azure SQL Database", "synapse": "Azure Synapse Analytics",
                       "sqlalchemy": "SQLAlchemy", "snowflake": "Snowflake", "databricks": "Databricks"}


def upgrade() -> None:
    op.execute("DELETE FROM object_tags WHERE system "
               "AND (name LIKE 'Immuta Connections.%' OR name LIKE 'Connections.%')")


def downgrade() -> None:
    display = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in _TECHNOLOGY_DISPLAY.items())
    op.execute(f"""
        INSERT INTO object_tags (object_id, name, system)
        SELECT o.id, concat_ws('.', 'Immuta Connections', CASE c.technology {display} ELSE c.technology END,
                               o.path[1], o.path[3], o.path[2]), true
        FROM data_objects o JOIN connections c ON c.id = o.connection_id
        WHERE o.kind IN ('table', 'view') AND o.effective_status = 'enabled'
        ON CONFLICT (object_id, name) DO UPDATE SET system = true
    """)
