"""A batch of a large schema loads the change tokens of its own name range only."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from catalog.object_store import load_change_tokens
from catalog.session import session_scope
from domain.schema_batches import TableRange
from tests.support.events import build_hierarchy

pytestmark = pytest.mark.usefixtures("catalog")


def test_change_tokens_are_loaded_for_the_batch_range_only() -> None:
    built = build_hierarchy(tables={"a1": "enabled", "b1": "enabled", "b2": "enabled", "c1": "enabled",
                                    "B0": "enabled"})
    with session_scope() as session:
        session.execute(text("UPDATE data_objects SET change_token = 'tok-' || name WHERE kind = 'table'"))
        session.execute(text("UPDATE data_objects SET change_token = NULL WHERE name = 'b2'"))
        schema_id = built.ids[("pg", "app", "Sales")]
        whole = load_change_tokens(session, schema_id)
        middle = load_change_tokens(session, schema_id, TableRange("b", "c"))
        first = load_change_tokens(session, schema_id, TableRange(None, "b"))
        last = load_change_tokens(session, schema_id, TableRange("c", None))
    assert whole == {"a1": "tok-a1", "b1": "tok-b1", "c1": "tok-c1", "B0": "tok-B0"}  # b2 has no token
    assert middle == {"b1": "tok-b1"}
    assert first == {"a1": "tok-a1", "B0": "tok-B0"}  # code-point order: "B0" < "a1" < "b"
    assert last == {"c1": "tok-c1"}
