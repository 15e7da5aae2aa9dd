"""Column renames: a deleted and an added column holding the same platform identity (PostgreSQL attnum, SQL Server
column_id) are one column renamed; without an identity they stay a deletion and an addition."""

from __future__ import annotations

import dataclasses
import json

from domain import change_types as ev
from domain.schema_diff import SchemaChanges
from domain.snapshot import RemoteColumn, RemoteTable
from tests.domain.diff_model import IdSource, apply_schema
from tests.domain.test_schema_diff import SCHEMA, catalog, run, snap, table

PATH = (*SCHEMA, "orders")


def col(name: str, identity: str | None, data_type: str = "integer", ordinal: int | None = None) -> RemoteColumn:
    return RemoteColumn(name, ordinal or int(identity or 1), data_type, True, None, identity)


ORDERS = table("orders", col("id", "1"), col("amount", "2", "numeric"), col("note", "3", "text"))


def orders(*columns: RemoteColumn) -> RemoteTable:
    return dataclasses.replace(ORDERS, columns=columns)


def events(changes: SchemaChanges) -> list[tuple[str, dict]]:
    return [(e.type, e.payload) for e in changes.events]


def stored_ids(changes: SchemaChanges, stored: dict) -> dict[str, int]:
    after = apply_schema(stored, changes, IdSource(5000))
    return {name: c.id for name, c in (after["orders"].columns or {}).items()}


def test_a_rename_keeps_the_column_and_emits_one_event() -> None:
    stored = catalog(ORDERS)
    before = {n: c.id for n, c in (stored["orders"].columns or {}).items()}
    changes = run(stored, snap(orders(col("id", "1"), col("total", "2", "numeric"), col("note", "3", "text"))))

    assert events(changes) == [(ev.COLUMN_RENAMED, {"column": "total", "before": {"name": "amount"},
                                                    "after": {"name": "total"}})]
    (update,) = changes.column_updates
    assert (update.id, update.renamed_from, update.column.name) == (before["amount"], "amount", "total")
    assert not changes.column_inserts and not changes.column_deletes
    assert changes.events[0].event_id == ev.stable_event_id(ev.COLUMN_RENAMED, PATH, 2,
                                                            json.dumps(["amount", "total"]))
    assert stored_ids(changes, stored) == {"id": before["id"], "total": before["amount"], "note": before["note"]}
    assert changes.table_updates[0].values["revision"] == 2


def test_a_rename_keeps_the_columns_tags() -> None:
    stored = catalog(ORDERS)
    amount = stored["orders"].columns["amount"]  # type: ignore[index]
    stored["orders"].columns["amount"] = dataclasses.replace(amount, tags=("PII",))  # type: ignore[index]
    changes = run(stored, snap(orders(col("id", "1"), col("total", "2", "numeric"), col("note", "3", "text"))))

    (update,) = changes.column_updates
    assert update.tags == ("PII",)


def test_rename_and_type_change_are_two_events_on_one_column() -> None:
    stored = catalog(ORDERS)
    amount_id = stored["orders"].columns["amount"].id  # type: ignore[index]
    changes = run(stored, snap(orders(col("id", "1"), col("total", "2", "bigint"), col("note", "3", "text"))))

    assert events(changes) == [
        (ev.COLUMN_RENAMED, {"column": "total", "before": {"name": "amount"}, "after": {"name": "total"}}),
        (ev.COLUMN_TYPE_CHANGED, {"column": "total", "before": {"dataType": "numeric"},
                                  "after": {"dataType": "bigint"}}),
    ]
    (update,) = changes.column_updates
    assert (update.id, update.renamed_from, update.tags) == (amount_id, "amount", (ev.NEW_TAG,))


def test_two_columns_swapping_names_are_two_renames() -> None:
    stored = catalog(ORDERS)
    before = {n: c.id for n, c in (stored["orders"].columns or {}).items()}
    changes = run(stored, snap(orders(col("id", "1"), col("note", "2", "numeric"), col("amount", "3", "text"))))

    assert sorted((e.type, e.payload["before"]["name"], e.payload["after"]["name"]) for e in changes.events) == [
        (ev.COLUMN_RENAMED, "amount", "note"), (ev.COLUMN_RENAMED, "note", "amount")]
    assert not changes.column_inserts and not changes.column_deletes
    assert stored_ids(changes, stored) == {"id": before["id"], "note": before["amount"], "amount": before["note"]}


def test_rename_among_a_drop_and_an_add_of_other_columns() -> None:
    stored = catalog(ORDERS)
    before = {n: c.id for n, c in (stored["orders"].columns or {}).items()}
    # note dropped, amount renamed to note (so the name `note` now means another column), a new `amount` added
    changes = run(stored, snap(orders(col("id", "1"), col("note", "2", "numeric"), col("amount", "4", "date"))))

    assert sorted((e.type, e.payload["column"]) for e in changes.events) == [
        (ev.COLUMN_ADDED, "amount"), (ev.COLUMN_DELETED, "note"), (ev.COLUMN_RENAMED, "note")]
    renamed = next(e for e in changes.events if e.type == ev.COLUMN_RENAMED)
    assert renamed.payload["before"] == {"name": "amount"}
    assert changes.column_deletes == [before["note"]]
    ids = stored_ids(changes, stored)
    assert ids["note"] == before["amount"] and ids["id"] == before["id"]
    assert ids["amount"] not in before.values()


def test_without_identities_a_rename_is_a_deletion_and_an_addition() -> None:
    plain = table("orders", RemoteColumn("id", 1, "integer"), RemoteColumn("amount", 2, "numeric"))
    changes = run(catalog(plain), snap(table("orders", RemoteColumn("id", 1, "integer"),
                                             RemoteColumn("total", 2, "numeric"))))

    assert sorted((e.type, e.payload["column"]) for e in changes.events) == [
        (ev.COLUMN_ADDED, "total"), (ev.COLUMN_DELETED, "amount")]


def test_a_new_identity_under_the_same_name_is_not_a_rename() -> None:
    """A column dropped and added again under its name: the platform gave it a new identity; it stays one row."""
    stored = catalog(ORDERS)
    changes = run(stored, snap(orders(col("id", "1"), col("amount", "4", "numeric", ordinal=2),
                                      col("note", "3", "text"))))

    assert changes.events == []
    (update,) = changes.column_updates
    assert (update.column.remote_id, update.renamed_from) == ("4", None)
    assert changes.table_updates[0].values.keys() == {"fingerprint"}, "learning an identity is no new revision"


def test_a_catalog_without_identities_learns_them_silently() -> None:
    without = table("orders", *(dataclasses.replace(c, remote_id=None) for c in ORDERS.columns))
    stored = catalog(without)
    changes = run(stored, snap(ORDERS))

    assert changes.events == []
    assert {u.column.name: u.column.remote_id for u in changes.column_updates} == {"id": "1", "amount": "2",
                                                                                  "note": "3"}
    assert changes.table_updates[0].values.keys() == {"fingerprint"}
    learnt = apply_schema(stored, changes, IdSource(5000))
    assert run(learnt, snap(ORDERS)).is_empty


def test_duplicate_identities_prove_nothing() -> None:
    stored = catalog(ORDERS)
    changes = run(stored, snap(orders(col("id", "1"), col("total", "2", "numeric"), col("extra", "2", "text"))))

    assert ev.COLUMN_RENAMED not in {e.type for e in changes.events}
