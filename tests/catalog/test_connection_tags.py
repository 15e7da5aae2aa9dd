"""Connection tags on data sources only, kept in step set-based, and refused to hand edits."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from catalog.connection_tags import (
    SystemTagError,
    connection_tag,
    ensure_user_tag,
    refresh_connection_tags,
)
from catalog.session import session_scope
from tests.support.events import build_hierarchy

pytestmark = pytest.mark.usefixtures("events_catalog")


def tags() -> set[tuple[str, str, bool]]:
    with session_scope() as session:
        return {(path[-1], name, system) for path, name, system in session.execute(text(
            "SELECT o.path, t.name, t.system FROM object_tags t JOIN data_objects o ON o.id = t.object_id"))}


def test_connection_tags_on_enabled_tables_and_views_only() -> None:
    hierarchy = build_hierarchy(key="Prod PG", tables={
        "Orders": "enabled", "Old Stuff": "disabled", "Sales View@view": "enabled"})
    with session_scope() as session:
        refresh_connection_tags(session, hierarchy.connection_id)
    tag = "Immuta Connections.PostgreSQL.Prod PG.Sales.app"
    assert tags() == {("Orders", tag, True), ("Sales View", tag, True)}
    assert connection_tag("postgresql", ("Prod PG", "app", "Sales", "Orders")) == tag


def test_tags_follow_status_changes_and_leave_user_tags_alone() -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Items": "disabled"})
    orders, items = hierarchy.ids[("pg", "app", "Sales", "Orders")], hierarchy.ids[("pg", "app", "Sales", "Items")]
    with session_scope() as session:
        session.execute(text("INSERT INTO object_tags (object_id, name, system) VALUES (:o, 'Finance', false)"),
                        {"o": orders})
        refresh_connection_tags(session, hierarchy.connection_id)
        refresh_connection_tags(session, hierarchy.connection_id)  # idempotent
    tag = "Immuta Connections.PostgreSQL.pg.Sales.app"
    assert tags() == {("Orders", "Finance", False), ("Orders", tag, True)}

    with session_scope() as session:
        session.execute(text("UPDATE data_objects "
                             "SET effective_status = CASE id WHEN :o THEN 'disabled' ELSE 'enabled' END "
                             "WHERE id IN (:o, :i)"), {"o": orders, "i": items})
        refresh_connection_tags(session, hierarchy.connection_id, schema_id=hierarchy.ids[("pg", "app", "Sales")])
    assert tags() == {("Orders", "Finance", False), ("Items", tag, True)}


def test_other_connections_are_untouched() -> None:
    first = build_hierarchy(key="one")
    second = build_hierarchy(key="two")
    with session_scope() as session:
        refresh_connection_tags(session, first.connection_id)
    assert tags() == {("Orders", "Immuta Connections.PostgreSQL.one.Sales.app", True)}
    assert second.connection_id != first.connection_id


def test_system_tags_cannot_be_edited_or_forged() -> None:
    hierarchy = build_hierarchy()
    orders = hierarchy.ids[("pg", "app", "Sales", "Orders")]
    with session_scope() as session:
        refresh_connection_tags(session, hierarchy.connection_id)
        with pytest.raises(SystemTagError, match="connection tags"):
            ensure_user_tag(session, orders, "Immuta Connections.PostgreSQL.pg.Sales.app")
        with pytest.raises(SystemTagError, match="connection tags"):
            ensure_user_tag(session, orders, "Immuta Connections.Fake")
        ensure_user_tag(session, orders, "Finance")  # an ordinary tag is fine


def test_tags_in_the_former_format_are_replaced() -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled"})
    orders = hierarchy.ids[("pg", "app", "Sales", "Orders")]
    with session_scope() as session:
        session.execute(text("INSERT INTO object_tags (object_id, name, system) "
                             "VALUES (:o, 'Connections.PostgreSQL.pg.app.Sales', true)"), {"o": orders})
        refresh_connection_tags(session, hierarchy.connection_id)
    assert tags() == {("Orders", "Immuta Connections.PostgreSQL.pg.Sales.app", True)}
