"""Tags on data objects. The connection tag `Immuta Connections.<Technology>.<Connection>.<Schema>.<Database>`
(the documented format, its parts in that order) sits on every data source (an effectively enabled table or
view) as a system tag: kept in step here, set-based, and refused to anyone trying to add, rename or remove it by
hand.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.session import raw_cursor
from connectors.registry import DISPLAY_NAMES
from domain.schema_batches import TableRange

CONNECTION_TAG_ROOT = "Immuta Connections"
#: The root connection tags had before; such system tags are replaced by the current ones.
LEGACY_TAG_ROOT = "Connections"

#: How each technology is spelled in connection tags (registry names are lower case).
TECHNOLOGY_DISPLAY = DISPLAY_NAMES


class SystemTagError(ValueError):
    """System tags belong to the service: they cannot be added, edited or deleted by hand."""


def connection_tag(technology: str, path: tuple[str, ...] | list[str]) -> str:
    """The connection tag of a table or view at `path` = [connection, database, schema, table]."""
    display = TECHNOLOGY_DISPLAY.get(technology, technology)
    connection, database, schema = path[:3]
    return ".".join((CONNECTION_TAG_ROOT, display, connection, schema, database))


_DISPLAY_SQL = "CASE c.technology " + " ".join(
    f"WHEN '{key}' THEN '{value}'" for key, value in TECHNOLOGY_DISPLAY.items()
) + " ELSE c.technology END"

_DESIRED = f"""
    SELECT o.id AS object_id,
           concat_ws('.', '{CONNECTION_TAG_ROOT}', {_DISPLAY_SQL}, o.path[1], o.path[3], o.path[2]) AS name
    FROM data_objects o JOIN connections c ON c.id = o.connection_id
    WHERE o.connection_id = %(connection)s AND o.kind IN ('table', 'view') AND o.effective_status = 'enabled'
      AND (%(schema)s::bigint IS NULL OR o.parent_id = %(schema)s::bigint)
      AND (%(start)s::text IS NULL OR o.name COLLATE "C" >= %(start)s::text)
      AND (%(stop)s::text IS NULL OR o.name COLLATE "C" < %(stop)s::text)
"""

_REMOVE_STALE = f"""
    DELETE FROM object_tags t USING data_objects o
    WHERE t.object_id = o.id AND t.system
      AND (t.name LIKE '{CONNECTION_TAG_ROOT}.%%' OR t.name LIKE '{LEGACY_TAG_ROOT}.%%')
      AND o.connection_id = %(connection)s AND (%(schema)s::bigint IS NULL OR o.parent_id = %(schema)s::bigint)
      AND (%(start)s::text IS NULL OR o.name COLLATE "C" >= %(start)s::text)
      AND (%(stop)s::text IS NULL OR o.name COLLATE "C" < %(stop)s::text)
      AND NOT EXISTS (SELECT 1 FROM ({_DESIRED}) d WHERE d.object_id = t.object_id AND d.name = t.name)
"""

_ADD_MISSING = f"""
    INSERT INTO object_tags (object_id, name, system)
    SELECT d.object_id, d.name, true FROM ({_DESIRED}) d
    ON CONFLICT (object_id, name) DO UPDATE SET system = true WHERE NOT object_tags.system
"""


def refresh_connection_tags(session: Session, connection_id: int, *, schema_id: int | None = None,
                            table_range: TableRange | None = None) -> None:
    """Make the connection tags of one connection (or one schema of it, or one name range of its tables) match
    its data sources.

    Two statements whatever the size, in the caller's transaction: stale tags (object no longer a data
    source, or renamed) go, missing ones come.
    """
    within = table_range or TableRange()
    params = {"connection": connection_id, "schema": schema_id, "start": within.start, "stop": within.stop}
    cur = raw_cursor(session)
    for statement in (_REMOVE_STALE, _ADD_MISSING):
        cur.execute(statement, params)


def ensure_user_tag(session: Session, object_id: int, name: str) -> None:
    """Refuse a hand-made change to `name` on the object if it is (or would look like) a system tag."""
    if name == CONNECTION_TAG_ROOT or name.startswith(CONNECTION_TAG_ROOT + "."):
        raise SystemTagError(f"tags under {CONNECTION_TAG_ROOT!r} are connection tags, managed by the service")
    system = session.execute(
        text("SELECT system FROM object_tags WHERE object_id = :o AND name = :n"), {"o": object_id, "n": name}
    ).scalar()
    if system:
        raise SystemTagError(f"tag {name!r} is a system tag and cannot be edited or deleted")
