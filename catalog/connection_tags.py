"""Tags on data objects. The connection tag `Immuta Connections.<Technology>.<Connection>.<Schema>.<Database>`
(the documented format, its parts in that order) sits on every data source (an effectively enabled table or
view) as a system tag. It is derived from the object when read, not stored: it follows status changes, renames
and new tables by construction, and a crawl writes no tag rows (migration 0021 removed the stored ones). Nobody
may add, rename or remove it by hand.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from connectors.registry import DISPLAY_NAMES

CONNECTION_TAG_ROOT = "Immuta Connections"

#: How each technology is spelled in connection tags (registry names are lower case).
TECHNOLOGY_DISPLAY = DISPLAY_NAMES


class SystemTagError(ValueError):
    """System tags belong to the service: they cannot be added, edited or deleted by hand."""


def connection_tag(technology: str, path: tuple[str, ...] | list[str]) -> str:
    """The connection tag of a table or view at `path` = [connection, database, schema, table]."""
    display = TECHNOLOGY_DISPLAY.get(technology, technology)
    connection, database, schema = path[:3]
    return ".".join((CONNECTION_TAG_ROOT, display, connection, schema, database))


def connection_tag_of(session: Session, object_id: int) -> str | None:
    """The object's connection tag, or None when it is not a data source."""
    row = session.execute(text("""
        SELECT c.technology, o.path FROM data_objects o JOIN connections c ON c.id = o.connection_id
        WHERE o.id = :id AND o.kind IN ('table', 'view') AND o.effective_status = 'enabled'
    """), {"id": object_id}).first()
    return connection_tag(row[0], row[1]) if row else None


def ensure_user_tag(session: Session, object_id: int, name: str) -> None:
    """Refuse a hand-made change to `name` on the object if it is (or would look like) a system tag."""
    if name == CONNECTION_TAG_ROOT or name.startswith(CONNECTION_TAG_ROOT + "."):
        raise SystemTagError(f"tags under {CONNECTION_TAG_ROOT!r} are connection tags, managed by the service")
    system = session.execute(
        text("SELECT system FROM object_tags WHERE object_id = :o AND name = :n"), {"o": object_id, "n": name}
    ).scalar()
    if system:
        raise SystemTagError(f"tag {name!r} is a system tag and cannot be edited or deleted")
