"""Column renames: a deleted and an added column holding the same platform identity (PostgreSQL attnum, SQL Server
column_id) are one column renamed; without an identity they stay a deletion and an addition."""

from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import change_types as ev
from domain.schema_diff import SchemaChanges
from domain.snapshot import RemoteColumn, RemoteTable
from tests.domain.diff_model import IdSource, apply_schema
from tests.domain.test_schema_diff import SCHEMA, catalog, run, snap
from tests.domain.test_schema_diff import table as plain_table

PATH = (*SCHEMA, "orders")
OID = "16384"  # the table's own identity: column identities count within one object only


def table(name: str, *columns: RemoteColumn) -> RemoteTable:
    return dataclasses.replace(plain_table(name, *columns), remote_id=OID)


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


def test_a_column_dropped_and_added_again_under_its_name_is_another_column() -> None:
    """The platform gave it a new identity: a deletion and an addition, as a table dropped and re-created is."""
    stored = catalog(ORDERS)
    amount_id = stored["orders"].columns["amount"].id  # type: ignore[index]
    remote = orders(col("id", "1"), col("amount", "4", "numeric", ordinal=2), col("note", "3", "text"))
    changes = run(stored, snap(remote))

    assert sorted((e.type, e.payload["column"]) for e in changes.events) == [
        (ev.COLUMN_ADDED, "amount"), (ev.COLUMN_DELETED, "amount")]
    assert changes.column_deletes == [amount_id] and [i.column.remote_id for i in changes.column_inserts] == ["4"]
    assert run(apply_schema(stored, changes, IdSource(5000)), snap(remote)).is_empty


def test_identities_of_a_re_created_table_prove_nothing() -> None:
    """Dropped and re-created (a dump and restore renumbers attnums): its columns are matched by name only."""
    stored = catalog(ORDERS)
    before = {n: c.id for n, c in (stored["orders"].columns or {}).items()}
    recreated = dataclasses.replace(orders(col("id", "1"), col("amount", "3", "numeric"), col("note", "2", "text")),
                                    remote_id="99999")
    changes = run(stored, snap(recreated))

    assert ev.COLUMN_RENAMED not in {e.type for e in changes.events}
    assert ev.COLUMN_ADDED not in {e.type for e in changes.events}
    ids = stored_ids(changes, stored)
    assert ids == before, "same names, same rows"


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


# --- properties: random renames (swaps and chains included), drops, additions and type changes -----------------

NAMES = ["a", "b", "c", "d", "e", "f", "id", "Amount", "amount", "表"]


@st.composite
def renamings(draw: st.DrawFn) -> tuple[RemoteTable, RemoteTable, dict[str, str | None]]:
    """A table, the same table after random changes, and what became of each old column (its new name, or None
    when dropped). Identities are the platform's: kept by a rename, new for an added column."""
    old_names = draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=1, max_size=6))
    before = tuple(RemoteColumn(n, i, "integer", True, None, str(i)) for i, n in enumerate(old_names, start=1))
    fate: dict[str, str | None] = {}
    kept: list[RemoteColumn] = []
    free = list(NAMES)
    draw(st.randoms(use_true_random=False)).shuffle(free)
    for column in before:
        if draw(st.integers(0, 3)) == 0:
            fate[column.name] = None
            continue
        name = free.pop() if draw(st.booleans()) else column.name
        if name in (k.name for k in kept) or name in fate.values():
            name = next(n for n in free if n not in (k.name for k in kept)) if free else column.name
        kept.append(dataclasses.replace(column, name=name, data_type=draw(st.sampled_from(["integer", "bigint"]))))
    names_taken = {c.name for c in kept}
    if len(names_taken) != len(kept):  # two columns drew one name: keep the example simple, no renames
        kept = [dataclasses.replace(c, name=next(b.name for b in before if b.remote_id == c.remote_id))
                for c in kept]
        names_taken = {c.name for c in kept}
    for column in kept:
        fate[next(b.name for b in before if b.remote_id == column.remote_id)] = column.name
    added = [n for n in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=2)) if n not in names_taken]
    after = (*kept, *(RemoteColumn(n, 10 + i, "text", True, None, str(10 + i)) for i, n in enumerate(added)))
    shape = table("orders", *before)
    return shape, dataclasses.replace(shape, columns=after), fate  # (the helper would give an empty table an id)


@settings(max_examples=200, deadline=None)
@given(renamings())
def test_renamed_columns_keep_their_rows_and_the_diff_settles(case: tuple[RemoteTable, RemoteTable,
                                                                          dict[str, str | None]]) -> None:
    before, after, fate = case
    stored = catalog(before)
    old = stored["orders"].columns or {}
    old = {n: dataclasses.replace(c, tags=("PII",)) for n, c in old.items()}
    stored["orders"].columns = old
    changes = run(stored, snap(after))
    applied = apply_schema(stored, changes, IdSource(5000))
    now = applied["orders"].columns or {}

    for name, new_name in fate.items():
        if new_name is None:
            assert all(c.id != old[name].id for c in now.values()), f"{name} dropped, its row stays"
        else:
            assert now[new_name].id == old[name].id, f"{name} → {new_name} lost its row"
            assert now[new_name].tags[:1] == ("PII",)
    renamed = {(e.payload["before"]["name"], e.payload["column"]) for e in changes.events
               if e.type == ev.COLUMN_RENAMED}
    assert renamed == {(o, n) for o, n in fate.items() if n is not None and n != o}
    added = {e.payload["column"] for e in changes.events if e.type == ev.COLUMN_ADDED}
    assert added == {c.name for c in after.columns} - {n for n in fate.values() if n is not None}
    assert {e.payload["column"] for e in changes.events if e.type == ev.COLUMN_DELETED} == {
        o for o, n in fate.items() if n is None}
    assert run(applied, snap(after)).is_empty
