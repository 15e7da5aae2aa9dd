"""The `objectsync` command line as a user runs it: real subprocesses against real PostgreSQL, Redis and a worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from sqlalchemy import func, select

from catalog.session import session_factory, session_scope
from models import ChangeEvent, Connection, DataObject
from services.access.secrets import decrypt_secret
from tests.cli.runner import ROOT, assert_clean_error, objectsync
from tests.conftest import create_database, drop_database

PASSWORD = "s3cr3t-Pässword-never-printed"

pytestmark = pytest.mark.usefixtures("catalog", "redis_env")

SOURCE = [
    'CREATE SCHEMA sales',
    'CREATE TABLE sales.customers (id int PRIMARY KEY, name text NOT NULL)',
    'CREATE TABLE sales."Order Items" ("Line No" int, sku text)',
    'CREATE TABLE sales.returns (id int, reason text)',
]


def assert_no_secret(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        assert PASSWORD not in result.stdout + result.stderr


def run_sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def add_args(key: str, source_url: str, *extra: str) -> list[str]:
    url = urlparse(source_url)
    return ["connection", "add", key, "--technology", "postgresql", "--hostname", url.hostname or "127.0.0.1",
            "--port", str(url.port or 5432), "--database", url.path.lstrip("/"), "--username",
            url.username or "postgres", *extra]


@pytest.fixture
def source(source_db: str) -> str:
    run_sql(source_db, *SOURCE)
    return source_db


def stored_connection(key: str) -> Connection | None:
    with session_factory()() as session:
        return session.scalar(select(Connection).where(Connection.key == key))


def object_paths(key: str) -> set[tuple[str, ...]]:
    with session_factory()() as session:
        return {tuple(p) for p in session.scalars(select(DataObject.path).where(DataObject.path[1] == key))}


def event_records(*args: str) -> list[dict]:
    """`events --json`: one CloudEvent per line, the shape webhooks, the stream and the API carry."""
    result = objectsync("events", "--json", *args)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(e["specversion"] == "1.0" and e["type"].startswith("objectsync.") for e in events)
    return events


def crawl_events(*args: str) -> list[dict]:
    """Events about the data: not job.finished, nor the owner requests they raise."""
    return [e for e in event_records(*args)
            if e["type"] != "objectsync.job.finished" and not e["type"].startswith("objectsync.request.")]


def test_add_list_remove_with_password_from_env(worker, source: str) -> None:
    env = {**os.environ, "SOURCE_PASSWORD": PASSWORD}
    added = objectsync(*add_args("pg", source, "--password-env", "SOURCE_PASSWORD", "--activate-new-children",
                                 "--cron", "30 2 * * *", "--wait"), env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "registered connection 'pg'" in added.stdout
    assert "succeeded" in added.stdout

    stored = stored_connection("pg")
    assert stored is not None and stored.cron == "30 2 * * *"
    assert PASSWORD.encode() not in stored.credentials_encrypted
    assert decrypt_secret(stored.credentials_encrypted) == {"username": "postgres", "password": PASSWORD}
    database = urlparse(source).path.lstrip("/")
    assert ("pg", database, "sales", "Order Items") in object_paths("pg")

    listed = objectsync("connection", "list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["key"], r["technology"], r["cron"], r["dataSources"]) for r in rows] == [
        ("pg", "postgresql", "30 2 * * *", 3)]
    table = objectsync("connection", "list")
    assert "pg" in table.stdout and "postgresql" in table.stdout

    removed = objectsync("connection", "remove", "pg")
    assert removed.returncode == 0, removed.stderr
    assert stored_connection("pg") is None and object_paths("pg") == set()
    with session_scope() as session:
        deleted = list(session.execute(select(ChangeEvent.object_path).where(
            ChangeEvent.connection_key == "pg", ChangeEvent.type == "object.deleted")).scalars())
    assert ["pg"] in deleted  # announced like DELETE on the connection path
    assert ["pg", database, "sales", "Order Items"] in deleted
    assert "removed connection 'pg' and its" in removed.stdout
    assert objectsync("connection", "list").stdout.strip() == "no connections registered"
    run_sql(source, "SELECT 1 FROM sales.customers")  # nothing on the platform was touched
    assert_no_secret(added, listed, table, removed)
    assert PASSWORD not in worker.log_path.read_text(errors="replace")


def test_password_from_stdin_is_stored_encrypted(source: str) -> None:
    added = objectsync(*add_args("stdin-pg", source, "--password-stdin", "--no-crawl"), stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stdout + added.stderr
    assert_no_secret(added)
    stored = stored_connection("stdin-pg")
    assert decrypt_secret(stored.credentials_encrypted)["password"] == PASSWORD


def test_crawl_wait_dry_run_and_events(worker, source: str) -> None:
    assert objectsync(*add_args("shop", source, "--activate-new-children", "--no-crawl")).returncode == 0
    database = urlparse(source).path.lstrip("/")

    first = objectsync("crawl", "shop", "--wait", "--timeout", "60")
    assert first.returncode == 0, first.stderr
    assert "succeeded" in first.stdout and "object.created=" in first.stdout
    created = event_records("--path", "shop", "--type", "object.created")
    assert {tuple(e["data"]["objectPath"]) for e in created} >= {("shop", database, "sales", "Order Items")}
    assert all(e["data"]["bulkId"] for e in created)
    mark = max(int(e["sequence"]) for e in event_records())

    run_sql(source, "ALTER TABLE sales.customers ADD COLUMN email text")
    schema_path = f"shop/{database}/sales"
    dry = objectsync("crawl", schema_path, "--dry-run", "--wait", "--timeout", "60")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 1 planned change(s), nothing applied" in dry.stdout
    assert "column.added" in dry.stdout and "email" in dry.stdout
    assert crawl_events("--since", str(mark)) == []

    table_path = f"shop/{database}/sales/Order%20Items"
    run_sql(source, 'ALTER TABLE sales."Order Items" ALTER COLUMN "Line No" TYPE bigint')
    narrow = objectsync("crawl", table_path, "--wait", "--timeout", "60")
    assert narrow.returncode == 0, narrow.stderr
    applied = objectsync("crawl", schema_path, "--wait", "--timeout", "60")
    assert applied.returncode == 0, applied.stderr
    changes = [(e["type"], e["data"]["objectPath"][-1], e["data"].get("column"))
               for e in crawl_events("--since", str(mark), "--path", schema_path)]
    assert changes == [("objectsync.column.type_changed", "Order Items", "Line No"),
                       ("objectsync.column.added", "customers", "email")]

    [line] = objectsync("events", "--since", str(mark), "--type", "column.type_changed").stdout.splitlines()
    expected = f"column.type_changed      shop/{database}/sales/Order Items  Line No: dataType integer → bigint"
    assert line.endswith(expected)
    assert objectsync("events", "--path", f"shop/{database}/nope").stdout == ""


def test_include_disabled_scans_objects_that_are_not_active(worker, source: str) -> None:
    assert objectsync(*add_args("quiet", source, "--no-crawl")).returncode == 0
    database = urlparse(source).path.lstrip("/")
    assert objectsync("crawl", "quiet", "--wait", "--timeout", "60").returncode == 0
    assert ("quiet", database, "sales", "customers") not in object_paths("quiet")

    scanned = objectsync("crawl", "quiet", "--include-disabled", "--wait", "--timeout", "60")
    assert scanned.returncode == 0, scanned
    assert ("quiet", database, "sales", "customers") in object_paths("quiet")
    listed = json.loads(objectsync("connection", "list", "--json").stdout)
    assert listed["dataSources"] == 0, "tables found under disabled objects stay disabled"


def test_mass_deletion_is_held_until_allowed(worker, source: str) -> None:
    assert objectsync(*add_args("guarded", source, "--activate-new-children", "--no-crawl")).returncode == 0
    assert objectsync("crawl", "guarded", "--wait", "--timeout", "60").returncode == 0
    database = urlparse(source).path.lstrip("/")
    run_sql(source, "DROP TABLE sales.returns", 'DROP TABLE sales."Order Items"')

    held = objectsync("crawl", f"guarded/{database}/sales", "--wait", "--timeout", "60")
    assert held.returncode == 7, held
    assert "partial" in held.stdout and "error:" in held.stdout
    allowed = objectsync("crawl", f"guarded/{database}/sales", "--allow-mass-deletion", "--wait", "--timeout", "60")
    assert allowed.returncode == 0, allowed
    deleted = event_records("--path", "guarded", "--type", "object.deleted_remotely")
    assert sorted(e["data"]["objectPath"][-1] for e in deleted) == ["Order Items", "returns"]


def test_failed_crawl_exits_non_zero_with_the_error(worker, source: str) -> None:
    assert objectsync(*add_args("broken", source, "--no-crawl")).returncode == 0
    drop_database(urlparse(source).path.lstrip("/"))  # gone after registration: the crawl cannot connect
    failed = objectsync("crawl", "broken", "--wait", "--timeout", "90")
    assert failed.returncode == 1, failed
    assert "failed" in failed.stdout and "error:" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr


def test_events_follow_tails_new_events(worker, source: str) -> None:
    assert objectsync(*add_args("tail", source, "--activate-new-children", "--no-crawl")).returncode == 0
    follower = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "events", "--follow", "--json", "--path", "tail", "--interval", "0.2"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(1.0)
        assert objectsync("crawl", "tail").returncode == 0
        seen: list[dict] = []
        deadline = time.monotonic() + 60
        while not any(e["type"] == "objectsync.job.finished" for e in seen) and time.monotonic() < deadline:
            line = follower.stdout.readline()
            assert line, follower.stderr.read()
            seen.append(json.loads(line))
        assert any(e["type"] == "objectsync.object.created" and e["data"]["objectPath"][-1] == "Order Items"
                   for e in seen)
        ids = [int(e["sequence"]) for e in seen]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    finally:
        follower.terminate()
        follower.wait(10)


@pytest.mark.parametrize(("args", "message", "exit_code"), [
    (["connection", "add", "x", "--technology", "oracle-9i"], "unknown technology 'oracle-9i'", 2),
    (["connection", "add", " spaced", "--technology", "postgresql"], "connectionKey must be", 2),
    (["connection", "add", "x", "--technology", "postgresql", "--cron", "every day"], "not a valid 5-field cron", 2),
    (["connection", "add", "x", "--technology", "postgresql", "--password-env", "OBJECTSYNC_UNSET_VAR"],
     "environment variable OBJECTSYNC_UNSET_VAR is not set", 2),
    (["connection", "add", "x", "--technology", "postgresql", "--option", "novalue"], "--option expects NAME=VALUE",
     2),
    (["connection", "add", "x", "--technology", "postgresql", "--exclude-table", "ok", "--exclude-table", "tmp_("],
     "invalid regular expression 'tmp_(' in filters.tables.exclude: missing )", 2),
    (["connection", "add", "x", "--technology", "postgresql", "--exclude-table", "(?=lookahead)"],
     "invalid regular expression '(?=lookahead)' in filters.tables.exclude", 2),
    (["connection", "add", "..", "--technology", "postgresql"], "connectionKey must be", 2),
    (["connection", "add", ".", "--technology", "postgresql"], "connectionKey must be", 2),
    (["connection", "add", "new\nline", "--technology", "postgresql"], "connectionKey must be", 2),
    (["connection", "add", "tab\tbed", "--technology", "postgresql"], "connectionKey must be", 2),
    (["crawl", "pg/db/s/.."], "raw '.' or '..' segment", 2),
    (["events", "--type", "column.add"], "'column.add' is not an event type", 2),
    (["events", "--type", "objectsync.column.nope"], "'column.nope' is not an event type", 2),
    (["events", "--since", "yesterday"], "--since 'yesterday' is neither an event id nor an ISO 8601 time", 2),
    (["connection", "add", "x", "--technology", "postgresql", "--include-schema", "[z-a]"],
     "invalid regular expression '[z-a]' in filters.schemas.include", 2),
    (["connection", "remove", "nobody"], "no connection with key 'nobody'", 3),
    (["connection", "show", "nobody"], "no connection with key 'nobody'", 3),
    (["connection", "edit", "nobody", "--cron", "0 2 * * *"], "no connection with key 'nobody'", 3),
    (["crawl", "a//b"], "object path segments must not be empty", 2),
    (["crawl", "a/b/c/d/e"], "object path must have 1 to 4 segments", 2),
    (["crawl", "nobody/db"], "no connection with key 'nobody'", 3),
    (["events", "--path", "/"], "object path is empty", 2),
    (["settings", "nobody/db", "--active", "disabled"], "no data object at path ['nobody', 'db']", 3),
    (["settings", "pg", "--owner", "someone"], "--owner expects user:NAME or group:NAME", 2),
    (["job", "not-a-uuid"], "a bulkId is a UUID, got 'not-a-uuid'", 2),
    (["job", "00000000-0000-0000-0000-000000000000"], "no job with bulkId 00000000-0000-0000-0000-000000000000", 3),
    (["webhook", "enable", "4242"], "no webhook subscription with id 4242", 3),
])
def test_bad_input_gives_one_clear_line(args: list[str], message: str, exit_code: int) -> None:
    assert_clean_error(objectsync(*args), message, exit_code)
    assert stored_connection("x") is None


def test_filter_flags_are_stored_and_honoured(worker, source: str) -> None:
    added = objectsync(*add_args("filtered", source, "--activate-new-children", "--include-schema", "sales",
                                 "--exclude-table", "returns", "--exclude-table", "Order Items",
                                 "--exclude-database", "other_.*", "--wait"))
    assert added.returncode == 0, added.stdout + added.stderr
    assert stored_connection("filtered").options == {"forceRecursiveCrawl": False, "filters": {
        "databases": {"include": [], "exclude": ["other_.*"]},
        "schemas": {"include": ["sales"], "exclude": []},
        "tables": {"include": [], "exclude": ["returns", "Order Items"]},
    }}
    database = urlparse(source).path.lstrip("/")
    assert object_paths("filtered") == {("filtered",), ("filtered", database), ("filtered", database, "sales"),
                                        ("filtered", database, "sales", "customers")}
    assert {tuple(e["data"]["objectPath"]) for e in crawl_events("--path", "filtered")} == object_paths("filtered") - {
        ("filtered",)}


def test_duplicate_key_and_unknown_parent_path(source: str) -> None:
    assert objectsync(*add_args("dup", source, "--no-crawl")).returncode == 0
    assert_clean_error(objectsync(*add_args("dup", source, "--no-crawl")), "a connection with key 'dup' already exists",
                       4)
    assert_clean_error(objectsync("crawl", "dup/nodb/noschema"), "no data object at path", 3)


def test_unconfigured_and_unreachable_servers() -> None:
    bare = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    assert_clean_error(objectsync("connection", "list", env=bare), "DATABASE_URL is not set", 5)
    assert_clean_error(objectsync("worker", env=bare), "DATABASE_URL and REDIS_URL must be set", 5)
    assert_clean_error(objectsync("beat", env=bare), "DATABASE_URL and REDIS_URL must be set", 5)
    unreachable = {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/objectsync"}
    assert_clean_error(objectsync("connection", "list", env=unreachable), "cannot reach the catalog database", 5)


def test_migrate_creates_the_catalog() -> None:
    name = f"objectsync_migrate_{os.getpid()}"
    url = create_database(name)
    try:
        unmigrated = objectsync("connection", "list", env={**os.environ, "DATABASE_URL": url})
        assert_clean_error(unmigrated, "the catalog is not migrated (run `objectsync migrate`)", 5)
        migrated = objectsync("migrate", env={**os.environ, "DATABASE_URL": url})
        assert migrated.returncode == 0, migrated.stderr
        listed = objectsync("connection", "list", env={**os.environ, "DATABASE_URL": url})
        assert listed.returncode == 0 and listed.stdout.strip() == "no connections registered"
    finally:
        drop_database(name)


def wait_for_output(log: Path, text: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{text!r} not seen; log:\n{log.read_text(errors='replace')[-3000:]}"
        time.sleep(0.2)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(5)


def test_worker_and_beat_commands_serve_their_own_redis_namespace(source: str, tmp_path: Path) -> None:
    """A crawl sent under a key prefix no other worker reads can only be done by `objectsync worker`."""
    import redis

    prefix = f"objectsync-cli-{os.getpid()}:"
    env = {**os.environ, "OBJECTSYNC_REDIS_KEY_PREFIX": prefix, "OBJECTSYNC_HOME": str(tmp_path)}
    worker = start(["worker", "--concurrency", "1", "--hostname", f"cli-{os.getpid()}@%h"], env, tmp_path / "w.log")
    beat = start(["beat"], env, tmp_path / "beat.log")
    try:
        wait_for_output(tmp_path / "w.log", " ready.", worker)
        assert objectsync(*add_args("served", source, "--activate-new-children", "--no-crawl")).returncode == 0
        crawled = objectsync("crawl", "served", "--wait", "--timeout", "60", env=env)
        assert crawled.returncode == 0, crawled.stdout + crawled.stderr
        wait_for_output(tmp_path / "beat.log", "Sending due task relay-change-events", beat)
        assert (tmp_path / "celerybeat-schedule").exists() or list(tmp_path.glob("celerybeat-schedule*"))
    finally:
        stop(beat)
        stop(worker)
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def test_events_label_by_type_and_start_at_an_id_or_a_time() -> None:
    """A request about a deleted column and a data source disabled are not "added"; `--type` takes the
    `objectsync.` spelling too; `--since` takes an ISO 8601 time as well as an id."""
    from domain import change_types as ev
    from tests.support.events import write_outbox

    table = ("lbl", "db", "s", "t")
    request = ev.planned(ev.REQUEST_CREATED, table, 0, {"requestId": 7, "kind": "column_deleted", "column": "c",
                                                        "owners": [1], "before": None, "after": {"status": "pending"}})
    disabled = ev.planned(ev.DATA_SOURCE_DISABLED, table, 0, {"kind": "table", "after": {"status": "disabled"}})
    [first] = write_outbox("lbl", [request])
    with session_scope() as session:
        between = session.scalar(select(func.clock_timestamp()))
    time.sleep(0.05)
    write_outbox("lbl", [disabled])

    lines = objectsync("events", "--since", str(first - 1), "--path", "lbl").stdout.splitlines()
    assert [line.split()[3:] for line in lines] == [
        ["request.created", "lbl/db/s/t", "c:", "requestId=7,", "kind=column_deleted,", "status=pending"],
        ["data_source.disabled", "lbl/db/s/t", "kind=table,", "status=disabled"]]
    assert not any("added" in line for line in lines)
    prefixed = objectsync("events", "--since", str(first - 1), "--type", "objectsync.data_source.disabled")
    assert [line.split()[3] for line in prefixed.stdout.splitlines()] == ["data_source.disabled"]
    since_time = objectsync("events", "--since", between.isoformat(), "--path", "lbl")
    assert since_time.returncode == 0, since_time.stderr
    assert [line.split()[3] for line in since_time.stdout.splitlines()] == ["data_source.disabled"]
    utc = between.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert [line.split()[3] for line in objectsync("events", "--since", utc, "--path", "lbl").stdout.splitlines()] \
        == ["data_source.disabled"]


def test_piped_output_is_whole_and_a_closed_pipe_ends_quietly() -> None:
    """`connection list` is not cut at 80 columns when piped; `objectsync events | head -1` ends without a
    BrokenPipeError traceback; `crawl --help` prints `%20`, not `%%20`."""
    from domain import change_types as ev
    from services.connections.connection_records import store_connection
    from tests.support.events import write_outbox

    key = "a-connection-key-long-enough-to-push-the-table-past-eighty-columns"
    with session_scope() as session:
        store_connection(session, key=key, technology="postgresql", config={"host": "localhost"},
                         credentials={"password": "x"})
    listed = objectsync("connection", "list")
    assert listed.returncode == 0, listed.stderr
    assert key in listed.stdout and max(len(line) for line in listed.stdout.splitlines()) > 80

    write_outbox(key, [ev.planned(ev.COLUMN_ADDED, (key, "db", "s", f"t{i}"), 0, {"column": "c", "after": {}})
                       for i in range(1500)])  # more than a pipe buffer holds
    piped = subprocess.run(f"{sys.executable} -m cli.main events | head -1", shell=True, cwd=ROOT,
                           env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 1
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr, piped.stderr

    usage = objectsync("crawl", "--help").stdout
    assert "Order%20Items" in usage and "%%20" not in usage


def test_a_crawl_that_reads_nothing_says_why(worker, source: str) -> None:
    assert objectsync(*add_args("why", source, "--activate-new-children", "--no-crawl")).returncode == 0
    database = urlparse(source).path.lstrip("/")
    assert_clean_error(objectsync("crawl", f"why/{database}/nope"), f"no data object at path ['why', '{database}']",
                       3)  # a path below what the catalog knows is refused, as the API answers 404
    assert objectsync("crawl", "why", "--wait", "--timeout", "60").returncode == 0
    result = objectsync("crawl", f"why/{database}/nope", "--wait", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    assert "0 of 0 schemas succeeded" in result.stdout
    assert f"nothing crawled: schema 'nope' is not in database '{database}' on the platform" in result.stdout
