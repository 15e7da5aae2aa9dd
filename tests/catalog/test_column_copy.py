"""The columns a crawl inserts travel by binary COPY: every value arrives as it was, tags included."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import Cursor

from catalog.column_copy import copy_new_columns
from catalog.session import raw_cursor, session_scope
from domain.schema_diff import ColumnInsert, NewTable, SchemaChanges
from domain.snapshot import RemoteColumn, RemoteTable

pytestmark = pytest.mark.usefixtures("catalog")

ODD = ["tab\there", "new\nline", "back\\slash", "\\N", "cr\rhere", 'quote"d', "comma,{brace}", "ünïcode", "\\.",
       "\x01control", "emoji 🧊"]


def _columns() -> list[RemoteColumn]:
    return [RemoteColumn(name, ordinal, f"type {name}", ordinal % 2 == 0, name if ordinal % 3 else None,
                         remote_id=name if ordinal % 2 else None)
            for ordinal, name in enumerate(ODD, start=1)]


def _stored(cur: Cursor[Any], table_id: int) -> list[tuple[Any, ...]]:
    cur.execute("SELECT name, ordinal, data_type, nullable, comment, tags, remote_id FROM columns "
                "WHERE table_id = %s ORDER BY ordinal", (table_id,))
    return cur.fetchall()


def test_odd_names_comments_and_tags_survive_the_copy() -> None:
    columns = _columns()
    changes = SchemaChanges(
        new_tables=[NewTable(RemoteTable("new", "table", tuple(columns)), "inherit", "enabled")],
        column_inserts=[ColumnInsert("stored", c, tuple(ODD[: c.ordinal % 4])) for c in columns],
    )
    with session_scope() as session:  # rolled back below: no data object owns these ids (columns have no FK)
        cur = raw_cursor(session)
        copy_new_columns(cur, {"new": -7, "stored": -8}, changes)
        new, inserted = _stored(cur, -7), _stored(cur, -8)
        session.rollback()
    assert new == [(c.name, c.ordinal, c.data_type, c.nullable, c.comment, [], c.remote_id) for c in columns]
    assert inserted == [(c.name, c.ordinal, c.data_type, c.nullable, c.comment, list(ODD[: c.ordinal % 4]),
                         c.remote_id) for c in columns]
