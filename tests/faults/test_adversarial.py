"""An adversary's inputs: a pattern built to backtrack forever, names made of dot segments, huge unauthenticated
bodies. None of them may stall a worker, retarget a request or grow the API's memory."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import psutil
import psycopg
import pytest

from catalog.session import session_scope
from domain.paths import has_dot_segment
from models import ChangeEvent
from services.access.tokens import create_token
from services.delivery.envelope import to_cloudevent
from tests.conftest import create_database, drop_database
from tests.faults.catalog_state import start_crawl_now, wait_for_job_end
from tests.faults.conftest import ApiServer, Stack, StackFactory
from tests.support.pipeline import register_source, run_sql
from tests.support.raw_http import raw_request

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


@pytest.fixture(scope="module")
def adversary_api(adversary_stack: Stack) -> ApiServer:
    adversary_stack.activate()
    return adversary_stack.api()


def admin_client(api: ApiServer) -> httpx.Client:
    with session_scope() as session:
        return api.client(create_token(session, f"adversary-{uuid.uuid4().hex[:6]}", admin=True).secret)


def test_dot_segment_names_are_never_emitted_raw_nor_retarget_a_delete(
        adversary_stack: Stack, adversary_api: ApiServer, source_url: str) -> None:
    """Tables named '..' and '.': every emitted path spells them %2E; a raw `..` DELETE is a 400, not the schema."""
    adversary_stack.activate()
    database = source_url.rsplit("/", 1)[1]
    run_sql(source_url, "CREATE SCHEMA s", 'CREATE TABLE s."..." (id int)', 'CREATE TABLE s.".." (id int)',
            'CREATE TABLE s."." (id int)', "CREATE TABLE s.keep (id int)")
    register_source("dots", source_url)
    job = wait_for_job_end(adversary_stack.catalog_url, start_crawl_now(["dots"]), timeout=60)
    assert job["status"] == "succeeded", job
    with psycopg.connect(adversary_stack.catalog_url) as conn:
        rows = conn.execute("SELECT id FROM change_events WHERE connection_key = 'dots'").fetchall()
    with session_scope() as session:
        subjects = [to_cloudevent(session.get(ChangeEvent, row[0]))["subject"] for row in rows]
    assert f"dots/{database}/s/%2E%2E" in subjects and f"dots/{database}/s/%2E" in subjects
    assert not [s for s in subjects if has_dot_segment(s)], "no emitted path holds a raw dot segment"

    client = admin_client(adversary_api)
    status, _ = raw_request(adversary_api.url, f"DELETE /data/object/dots/{database}/s/.. HTTP/1.1\nHost: x\n"
                                               f"Authorization: {client.headers['Authorization']}\n"
                                               "Connection: close\n")
    assert status == 400
    assert table_names(adversary_stack.catalog_url, "dots") == {"...", "..", ".", "keep"}, "nothing deleted"
    deleted = client.delete(f"/data/object/dots/{database}/s/%2E%2E")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["objectsDeleted"] == 1
    assert table_names(adversary_stack.catalog_url, "dots") == {"...", ".", "keep"}


def test_an_unauthenticated_100_mb_body_does_not_grow_the_api(adversary_api: ApiServer) -> None:
    """Four clients each streaming 100 MB without a token: each gets its 401 after the headers, and the API
    process's memory stays where it was (it used to buffer every body before answering)."""
    assert adversary_api.process is not None
    api = psutil.Process(adversary_api.process.pid)
    before = api.memory_info().rss
    chunk = b"x" * (1 << 20)
    statuses = [raw_request(adversary_api.url, "POST /data/connection HTTP/1.1\nHost: x\n"
                                                "Content-Type: application/json\n"
                                                f"Content-Length: {100 << 20}\nConnection: close\n",
                            (chunk for _ in range(100)))[0] for _ in range(4)]
    assert statuses == [401] * 4
    chunked = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(50))  # 50 MB, no length declared
    status, _ = raw_request(adversary_api.url, "POST /data/connection HTTP/1.1\nHost: x\n"
                                               "Transfer-Encoding: chunked\nConnection: close\n", chunked)
    assert status == 401
    grown = api.memory_info().rss - before
    assert grown < 20 << 20, f"the API grew by {grown >> 20} MB"
