"""Lost visibility through the real pipeline: Redis, a Celery worker process and the catalog, as deployed.

The ANSI path of the SQL Server connector (pyodbc → psqlodbc → PostgreSQL, whose INFORMATION_SCHEMA hides what
the login has no privilege on, as SQL Server's does) and Unity Catalog (a catalog the principal lost USE_CATALOG
on is left out of the catalogs list): the object stays as it was and the job says what it could not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from domain.jobs import DATABASES_NOT_VISIBLE, TABLES_NOT_VISIBLE
from tests.conformance.crawling import KEY, register, states
from tests.conformance.doubles import DoubleUnavailable, SourceDouble
from tests.support.pipeline import crawl, events_after, last_event_id

pytestmark = pytest.mark.usefixtures("catalog", "worker")
PRESENT = ("present", "enabled")


def built(factory: str) -> Iterator[SourceDouble]:
    from tests.conformance.doubles import DOUBLE_FACTORIES

    try:
        double = DOUBLE_FACTORIES[factory]()
    except DoubleUnavailable as error:
        pytest.skip(str(error))
    yield double
    double.close()


@pytest.fixture
def odbc() -> Iterator[SourceDouble]:
    yield from built("sqlserver-odbc")


@pytest.fixture
def unity() -> Iterator[SourceDouble]:
    yield from built("databricks")


def test_ansi_path_revoked_select_leaves_the_table_and_the_job_says_what_it_could_not_see(
        odbc: SourceDouble) -> None:
    schema = f"objectsync_pipe_{uuid.uuid4().hex[:10]}"
    odbc.create_schema(schema)
    for name in ("t1", "t2", "t3"):
        odbc.create_table(schema, name, [("id", "int"), ("note", "text")])
    register(odbc, schema)
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert states((odbc.database, schema), 1) == dict.fromkeys(("t1", "t2", "t3"), PRESENT)

    odbc.revoke_table(schema, "t2")
    mark = last_event_id()
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert events_after(mark) == [], "not deleted remotely, not disabled: no event at all"
    assert states((odbc.database, schema), 1) == dict.fromkeys(("t1", "t2", "t3"), PRESENT)
    assert report["summary"].get(TABLES_NOT_VISIBLE) == 1, report["summary"]

    # While any table is hidden nothing in the schema can be proven dropped; with every table visible again, a
    # table missing from the listing is a drop.
    odbc.grant_table(schema, "t2")
    odbc.drop_table(schema, "t3")
    mark = last_event_id()
    report = crawl([KEY])
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("object.deleted_remotely", "t3")]
    assert states((odbc.database, schema), 1) == {"t1": PRESENT, "t2": PRESENT, "t3": ("deleted", "disabled")}
    assert TABLES_NOT_VISIBLE not in report["summary"]


def test_unity_catalog_without_use_catalog_leaves_the_catalog_as_it_was(unity: SourceDouble) -> None:
    schema = f"objectsync_pipe_{uuid.uuid4().hex[:10]}"
    unity.create_schema(schema)
    unity.create_table(schema, "t", [("id", "int")])
    register(unity, schema)
    assert crawl([KEY])["status"] == "succeeded"

    unity.revoke_database()  # type: ignore[attr-defined]
    mark = last_event_id()
    report = crawl([KEY])
    assert report["status"] == "succeeded", report
    assert events_after(mark) == []
    assert states((), 1)[unity.database] == PRESENT
    assert states((unity.database, schema), 1) == {"t": PRESENT}
    assert report["summary"].get(DATABASES_NOT_VISIBLE) == 1, report["summary"]
