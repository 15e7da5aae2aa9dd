"""Connection tags on data sources only, derived from the object when read (so always in step with its status and
path), beside the stored user tags, and refused to hand edits."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from catalog.connection_tags import SystemTagError, connection_tag, ensure_user_tag
from catalog.object_view_store import object_tags
from catalog.session import session_scope
from tests.support.events import build_hierarchy

pytestmark = pytest.mark.usefixtures("events_catalog")


def tags() -> set[tuple[str, str, bool]]:
    """(object name, tag, system) for every table and view, as the object views show them."""
    with session_scope() as session:
        objects = session.execute(text("SELECT id, name FROM data_objects WHERE kind IN ('table', 'view')")).all()
        return {(name, tag, system) for object_id, name in objects for tag, system in object_tags(session, object_id)}


def test_connection_tags_on_enabled_tables_and_views_only() -> None:
    build_hierarchy(key="Prod PG", tables={"Orders": "enabled", "Old Stuff": "disabled", "Sales View@view": "enabled"})
    tag = "Immuta Connections.PostgreSQL.Prod PG.Sales.app"
    assert tags() == {("Orders", tag, True), ("Sales View", tag, True)}
    assert connection_tag("postgresql", ("Prod PG", "app", "Sales", "Orders")) == tag


def test_tags_follow_status_changes_and_sit_beside_user_tags() -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Items": "disabled"})
    orders, items = hierarchy.ids[("pg", "app", "Sales", "Orders")], hierarchy.ids[("pg", "app", "Sales", "Items")]
    with session_scope() as session:
        session.execute(text("INSERT INTO object_tags (object_id, name, system) VALUES (:o, 'Finance', false)"),
                        {"o": orders})
    tag = "Immuta Connections.PostgreSQL.pg.Sales.app"
    assert tags() == {("Orders", "Finance", False), ("Orders", tag, True)}
    with session_scope() as session:
        assert object_tags(session, orders) == [("Finance", False), (tag, True)]  # by name

    with session_scope() as session:
        session.execute(text("UPDATE data_objects "
                             "SET effective_status = CASE id WHEN :o THEN 'disabled' ELSE 'enabled' END "
                             "WHERE id IN (:o, :i)"), {"o": orders, "i": items})
    assert tags() == {("Orders", "Finance", False), ("Items", tag, True)}


def test_each_connection_tags_its_own_data_sources() -> None:
    build_hierarchy(key="one")
    build_hierarchy(key="two")
    with session_scope() as session:
        session.execute(text("UPDATE connections SET technology = 'snowflake' WHERE key = 'two'"))
    assert tags() == {("Orders", "Immuta Connections.PostgreSQL.one.Sales.app", True),
                      ("Orders", "Immuta Connections.Snowflake.two.Sales.app", True)}


def test_a_crawl_stores_no_tag_rows() -> None:
    build_hierarchy(tables={"Orders": "enabled"})
    with session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM object_tags")).scalar_one() == 0
    assert tags() == {("Orders", "Immuta Connections.PostgreSQL.pg.Sales.app", True)}


def test_system_tags_cannot_be_edited_or_forged() -> None:
    hierarchy = build_hierarchy()
    orders = hierarchy.ids[("pg", "app", "Sales", "Orders")]
    with session_scope() as session:
        with pytest.raises(SystemTagError, match="connection tags"):
            ensure_user_tag(session, orders, "Immuta Connections.PostgreSQL.pg.Sales.app")
        with pytest.raises(SystemTagError, match="connection tags"):
            ensure_user_tag(session, orders, "Immuta Connections.Fake")
        ensure_user_tag(session, orders, "Finance")  # an ordinary tag is fine
