"""A table dropped and re-created under the same name between two crawls: its platform identity changed, so the
crawl reports the drop and the return, as a crawl in between would have, and keeps the user's settings."""

from __future__ import annotations

import dataclasses

from domain import change_types as ev
from domain.snapshot import RemoteTable
from tests.domain.diff_model import IdSource, apply_schema
from tests.domain.test_schema_diff import ORDERS, SCHEMA, catalog, col, run, snap, table, types

A = dataclasses.replace(ORDERS, remote_id="id-1")


def recreated(t: RemoteTable, remote_id: str = "id-2", **changes: object) -> RemoteTable:
    return dataclasses.replace(t, remote_id=remote_id, **changes)  # type: ignore[arg-type]


def test_same_columns_new_identity_is_a_drop_and_a_return_keeping_the_setting() -> None:
    stored = catalog(A, orders={"status_setting": "enabled", "revision": 4})
    changes = run(stored, snap(recreated(A)))
    assert [(e.type, e.path, e.event_id) for e in changes.events] == [
        (ev.OBJECT_DELETED_REMOTELY, (*SCHEMA, "orders"), ev.stable_event_id(ev.OBJECT_DELETED_REMOTELY,
                                                                           (*SCHEMA, "orders"), 5)),
        (ev.OBJECT_RESTORED, (*SCHEMA, "orders"), ev.stable_event_id(ev.OBJECT_RESTORED, (*SCHEMA, "orders"), 6)),
    ]
    assert changes.events[1].payload == {"kind": "table", "status": "enabled"}
    after = apply_schema(stored, changes, IdSource(5000))["orders"]
    assert (after.remote_state, after.status_setting, after.effective_status, after.revision, after.remote_id) == (
        "present", "enabled", "enabled", 6, "id-2")
    assert after.status_before_deletion is None
    assert run({"orders": after}, snap(recreated(A))).is_empty, "the next crawl finds nothing new"


def test_recreated_with_other_columns_reports_the_column_changes_after_the_return() -> None:
    stored = catalog(A)
    again = recreated(A, columns=(col("id", 1, "integer", False, "key"), col("label", 2, "text")))
    assert types(run(stored, snap(again))) == [
        ev.OBJECT_DELETED_REMOTELY, ev.OBJECT_RESTORED, ev.COLUMN_ADDED, ev.COLUMN_DELETED, ev.COLUMN_DELETED]


def test_learning_the_identity_of_a_stored_table_is_silent() -> None:
    stored = catalog(ORDERS)  # stored before identities were read
    changes = run(stored, snap(A))
    assert changes.events == []
    (update,) = changes.table_updates
    assert update.values == {"remote_id": "id-1"}, "no new revision for learning the identity"


def test_a_platform_without_identities_never_reports_a_re_create() -> None:
    assert run(catalog(ORDERS), snap(ORDERS)).is_empty
    assert run(catalog(A), snap(ORDERS)).is_empty, "an identity the platform stopped reporting is no change"


def test_a_deleted_table_seen_again_with_a_new_identity_is_simply_restored() -> None:
    stored = catalog(A, orders={"remote_state": "deleted", "status_setting": "disabled",
                                "effective_status": "disabled", "status_before_deletion": "inherit"})
    assert types(run(stored, snap(recreated(A)))) == [ev.OBJECT_RESTORED]


def test_a_view_replaced_by_a_table_is_a_drop_a_return_and_a_kind_change() -> None:
    view = table("orders", kind="view", remote_kind="VIEW")
    stored = catalog(dataclasses.replace(view, remote_id="v1"))
    assert types(run(stored, snap(dataclasses.replace(table("orders"), remote_id="t1")))) == [
        ev.OBJECT_DELETED_REMOTELY, ev.OBJECT_RESTORED, ev.OBJECT_CHANGED]
