"""Writing the outbox: events go in in the diff's order, each id once, and large payloads (a first sync's
dictionaries) are stored lz4-compressed, as the text written, and read back whole."""

from __future__ import annotations

import pytest

from catalog.outbox import write_events
from catalog.session import raw_cursor, session_scope
from domain.change_types import OBJECT_CREATED, planned
from domain.json_text import dumps, loads
from models import ChangeEvent

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
        compression, stored = cur.fetchone()  # type: ignore[misc]
        event = session.query(ChangeEvent).filter(ChangeEvent.object_path == list(path)).one()
    assert compression == "lz4"
    assert stored == dumps({"dictionary": dictionary, "bulkId": None}).decode()  # the text the service wrote
    assert loads(stored) == event.payload == {"dictionary": dictionary, "bulkId": None}


def _stored(path_prefix: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute("SELECT type, object_path FROM change_events WHERE object_path[1] = %s ORDER BY id",
                    (path_prefix[0],))
        return cur.fetchall()


def test_events_go_in_in_the_order_given_and_each_id_once() -> None:
    root = ("order-source", "app", "Sales")
    events = [planned(OBJECT_CREATED, (*root, name), 1, {"n": i}) for i, name in enumerate(["b", "a", "c"])]
    with session_scope() as session:
        assert write_events(session, root[0], [*events, events[1]]) == 3  # the repeated one is left out
    with session_scope() as session:  # a retry of the same changes adds nothing
        assert write_events(session, root[0], [events[2], planned(OBJECT_CREATED, (*root, "d"), 1, {})]) == 1
    assert [path[-1] for _, path in _stored(root)] == ["b", "a", "c", "d"]
