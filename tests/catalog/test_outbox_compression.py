"""Large outbox payloads (a first sync's dictionaries) are stored lz4-compressed, and read back as written."""

from __future__ import annotations

import pytest

from catalog.outbox import write_events
from catalog.session import raw_cursor, session_scope
from domain.change_types import OBJECT_CREATED, planned

pytestmark = pytest.mark.usefixtures("catalog")


def test_a_dictionary_payload_is_stored_lz4_compressed_and_reads_back_whole() -> None:
    path = ("lz4-source", "app", "Sales", "Wide")
    dictionary = [{"name": f"column_{i}", "ordinal": i, "dataType": "numeric(12,2)", "nullable": True,
                   "comment": f"the {i}th column"} for i in range(1, 101)]
    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        if not cur.fetchone()[0]:  # type: ignore[index]
            pytest.skip("this PostgreSQL server is built without lz4")
        assert write_events(session, path[0], [planned(OBJECT_CREATED, path, 1, {"dictionary": dictionary})]) == 1
    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute("SELECT pg_column_compression(payload), payload FROM change_events WHERE object_path = %s",
                    (list(path),))
        compression, payload = cur.fetchone()  # type: ignore[misc]
    assert compression == "lz4"
    assert payload == {"dictionary": dictionary, "bulkId": None}
