"""An adversary's inputs: a pattern built to backtrack forever, names made of dot segments, huge unauthenticated
bodies. None of them may stall a worker, retarget a request or grow the API's memory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import create_database, drop_database
from tests.faults.catalog_state import start_crawl_now, wait_for_job_end
from tests.faults.conftest import Stack, StackFactory
from tests.support.pipeline import register_source, run_sql

#: `(a+)+$` against this name takes Python's backtracking `re` longer than the age of the universe.
EVIL_NAME = "a" * 62 + "!"


@pytest.fixture(scope="module")
def adversary_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    factory = StackFactory(tmp_path_factory.mktemp("adversary"), dict(os.environ))
    try:
        stack = factory(OBJECTSYNC_TASK_SOFT_TIME_LIMIT_SECONDS="60", OBJECTSYNC_TASK_TIME_LIMIT_SECONDS="70")
        stack.worker("adversary")
        yield stack
    finally:
        factory.close()


@pytest.fixture
def source_url() -> Iterator[str]:
    name = f"objectsync_src_{uuid.uuid4().hex[:10]}"
    url = create_database(name)
    yield url
    drop_database(name)


def table_names(catalog_url: str, key: str) -> set[str]:
    with psycopg.connect(catalog_url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT path[4] FROM data_objects WHERE path[1] = %s AND kind = 'table'", (key,))}


def test_redos_filter_pattern_cannot_stall_a_crawl(adversary_stack: Stack, source_url: str) -> None:
    """`--exclude-table '(a+)+$'` and a table named 62 × a + '!': the crawl ends, the filter applied as written."""
    adversary_stack.activate()
    run_sql(source_url, "CREATE SCHEMA s", f'CREATE TABLE s."{EVIL_NAME}" (id int)', "CREATE TABLE s.aaaa (id int)")
    register_source("redos", source_url, filters={"tables": {"exclude": ["(a+)+$"]}})
    job = wait_for_job_end(adversary_stack.catalog_url, start_crawl_now(["redos"]), timeout=45)
    assert job["status"] == "succeeded", job
    assert table_names(adversary_stack.catalog_url, "redos") == {EVIL_NAME}, "aaaa excluded, the evil name kept"
