"""Grant-filtered MariaDB listings through the real pipeline: a revoked grant never marks a table deleted.

Real MariaDB source, real connector, real catalog, Redis and Celery worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymysql
import pytest
from sqlalchemy import select

from catalog.session import session_factory, session_scope
from domain.jobs import TABLES_NOT_VISIBLE
from models import DataObject
from services.connections.connection_records import store_connection
from tests.conformance.double_mysql import HOST, PORT, admin_fixture, grant_pattern, quote, run  # noqa: F401 - the admin fixture
from tests.support.pipeline import crawl, events_after, last_event_id

pytestmark = pytest.mark.usefixtures("catalog", "worker")
KEY = "maria"


@pytest.fixture
def source(admin: pymysql.connections.Connection) -> Iterator[tuple[str, str]]:
    """A schema with tables t1, t2, t3 and a user of its own, registered as connection KEY; (schema, account)."""
    schema = f"objectsync_pipe_{uuid.uuid4().hex[:10]}"
    user, password = f"objectsync_p_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    account = f"'{user}'@'%'"
    run(admin, f"CREATE DATABASE {quote(schema)}",
        *(f"CREATE TABLE {quote(schema)}.{t} (id int, note text)" for t in ("t1", "t2", "t3")))
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE USER {account.replace('%', '%%')} IDENTIFIED BY %s", (password,))
    try:
        with session_scope() as session:
            store_connection(session, key=KEY, technology="mariadb", config={"hostname": HOST, "port": PORT},
                                credentials={"username": user, "password": password}, activate_new_children=True)
        yield schema, account
    finally:
        run(admin, f"DROP DATABASE IF EXISTS {quote(schema)}", f"DROP USER IF EXISTS {account}")


def tables(schema: str) -> dict[str, tuple[str, str]]:
    """(remote state, effective status) of the schema's tables in the catalog."""
    with session_factory()() as session:
        return {o.path[-1]: (o.remote_state, o.effective_status) for o in session.scalars(select(DataObject))
                if list(o.path[:3]) == [KEY, "def", schema] and len(o.path) == 4}


def test_a_revoked_table_grant_is_not_a_drop_but_a_dropped_granted_table_is(
        admin: pymysql.connections.Connection, source: tuple[str, str]) -> None:
    schema, account = source
    run(admin, *(f"GRANT SELECT ON {quote(schema)}.{t} TO {account}" for t in ("t1", "t2", "t3")))
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert tables(schema) == dict.fromkeys(("t1", "t2", "t3"), ("present", "enabled"))

    run(admin, f"REVOKE SELECT ON {quote(schema)}.t2 FROM {account}")
    mark = last_event_id()
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert events_after(mark) == [], "no event for a table the listing could not see"
    assert tables(schema)["t2"] == ("present", "enabled")
    assert report["summary"].get(TABLES_NOT_VISIBLE) == 1, report["summary"]

    run(admin, f"DROP TABLE {quote(schema)}.t3")  # MariaDB keeps the grant: the drop is confirmed
    mark = last_event_id()
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("object.deleted_remotely", "t3")]
    assert tables(schema) == {"t1": ("present", "enabled"), "t2": ("present", "enabled"),
                              "t3": ("deleted", "disabled")}
    assert report["summary"].get(TABLES_NOT_VISIBLE) == 1

    run(admin, f"GRANT SELECT ON {quote(schema)}.t2 TO {account}")
    mark = last_event_id()
    report = crawl([KEY])
    assert events_after(mark) == [] and TABLES_NOT_VISIBLE not in report["summary"], "visible again, unchanged"


def test_with_a_schema_grant_a_drop_is_detected_as_before(
        admin: pymysql.connections.Connection, source: tuple[str, str]) -> None:
    schema, account = source
    run(admin, f"GRANT SELECT ON {grant_pattern(schema)}.* TO {account}")
    assert crawl([KEY])["status"] == "succeeded"
    assert tables(schema) == dict.fromkeys(("t1", "t2", "t3"), ("present", "enabled"))

    run(admin, f"DROP TABLE {quote(schema)}.t2")
    mark = last_event_id()
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("object.deleted_remotely", "t2")]
    assert tables(schema)["t2"] == ("deleted", "disabled")
    assert TABLES_NOT_VISIBLE not in report["summary"]
