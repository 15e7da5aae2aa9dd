"""The columns a crawl inserts travel as one COPY text-format buffer: every value arrives as it was."""

from __future__ import annotations

import pytest

from catalog.object_store import _column_rows
from catalog.session import raw_cursor, session_scope
from domain.snapshot import RemoteColumn

pytestmark = pytest.mark.usefixtures("catalog")

ODD = ["tab\there", "new\nline", "back\\slash", "\\N", "cr\rhere", 'quote"d', "comma,{brace}", "ünïcode", "\\."]


def test_odd_names_comments_and_tags_survive_the_copy_buffer() -> None:
    rows = [("t", RemoteColumn(name, ordinal, "text", ordinal % 2 == 0, name if ordinal % 3 else None,
                               remote_id=name if ordinal % 2 else None), tuple(ODD[: ordinal % 4]))
            for ordinal, name in enumerate(ODD, start=1)]
    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute("CREATE TEMP TABLE copied (table_id bigint, name text, ordinal int, data_type text, "
                    "nullable bool, comment text, tags text[], remote_id text)")
        with cur.copy("COPY copied FROM STDIN") as copy:
            copy.write(_column_rows({"t": 7}, rows))
        cur.execute("SELECT table_id, name, ordinal, data_type, nullable, comment, tags, remote_id FROM copied "
                    "ORDER BY ordinal")
        copied = cur.fetchall()
    assert copied == [(7, c.name, c.ordinal, c.data_type, c.nullable, c.comment, list(tags), c.remote_id)
                      for _, c, tags in rows]
