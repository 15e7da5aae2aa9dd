"""`objectsync connection add|test|show|edit`, `settings`, `jobs`, `job` and `--version`, run as real processes
against real PostgreSQL, MariaDB, a Unity Catalog double and (where a crawl runs) a real worker."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest
from sqlalchemy import func, select, text

from catalog.session import get_engine, session_factory
from models import Connection, DataObject, Job
from services.access.secrets import decrypt_secret
from tests.cli.runner import assert_clean_error, objectsync
from tests.conformance.double_mysql import ADMIN_PASSWORD, ADMIN_USER, HOST, PORT
from tests.support.doubles.unity_catalog_server import UnityCatalogServer

pytestmark = pytest.mark.usefixtures("catalog", "redis_env")

PASSWORD = "Wr0ng-Pässword-never-printed"
PG_TESTS = ("Initial validation: basic connection test", "Initial validation: database access test",
            "Initial validation: metadata privileges test")
SOURCE = ["CREATE SCHEMA sales", "CREATE TABLE sales.customers (id int)", "CREATE TABLE sales.orders (id int)",
          "CREATE TABLE sales.returns (id int)"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_args(key: str, source_url: str, *extra: str, port: int | None = None, username: str | None = None) -> list[str]:
    url = urlparse(source_url)
    return ["connection", "add", key, "--technology", "postgresql", "--hostname", url.hostname or "127.0.0.1",
            "--port", str(port or url.port or 5432), "--database", url.path.lstrip("/"),
            "--username", username or url.username or "postgres", *extra]


def stored(key: str) -> Connection | None:
    with session_factory()() as session:
        return session.scalar(select(Connection).where(Connection.key == key))


def job_count() -> int:
    with session_factory()() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def catalog_text() -> str:
    """Every connection, object and job row as text: a secret in clear would show here."""
    with get_engine().connect() as conn:
        return "\n".join(conn.execute(text(
            "SELECT c::text FROM connections c UNION ALL SELECT o::text FROM data_objects o "
            "UNION ALL SELECT j::text FROM jobs j")).scalars())


def assert_never_shown(secret: str, *results: Any) -> None:
    for result in results:
        assert secret not in result.stdout + result.stderr
    assert secret not in catalog_text()


def with_env(**variables: str) -> dict[str, str]:
    return {**os.environ, **variables}


@pytest.fixture
def source(source_db: str) -> str:
    with psycopg.connect(source_db, autocommit=True) as conn:
        for statement in SOURCE:
            conn.execute(statement)
    return source_db


@pytest.fixture
def unity_catalog() -> Iterator[UnityCatalogServer]:
    server = UnityCatalogServer().start()
    server.create_catalog("lake")
    yield server
    server.stop()


def test_add_to_an_unreachable_host_is_stored_in_create_error_and_exits_2(source: str) -> None:
    closed = free_port()
    added = objectsync(*pg_args("down", source, "--password-env", "PW", port=closed), env=with_env(PW=PASSWORD))
    assert_clean_error(added, "connection 'down' failed validation (Initial validation: basic connection test: ", 2)
    assert "stored with status createError" in added.stderr
    connection = stored("down")
    assert connection is not None and connection.status == "createError"
    assert [(r["name"], r["status"]) for r in connection.validation_results] == [
        (PG_TESTS[0], "failed"), (PG_TESTS[1], "skipped"), (PG_TESTS[2], "skipped")]
    assert job_count() == 0, "no first crawl for a connection that failed validation"

    shown = objectsync("connection", "show", "down", "--json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["status"] == "createError" and view["credentialsSet"] == ["password", "username"]
    assert view["connection"]["port"] == closed and "password" not in view["connection"]
    listed = [json.loads(line) for line in objectsync("connection", "list", "--json").stdout.splitlines()]
    assert [(c["key"], c["status"]) for c in listed] == [("down", "createError")]

    fixed = objectsync("connection", "edit", "down", "--port", str(urlparse(source).port or 5432))
    assert fixed.returncode == 0, fixed.stderr
    assert "edited connection 'down' (validated): status enabled" in fixed.stdout
    assert stored("down").status == "enabled"
    assert_never_shown(PASSWORD, added, shown, fixed)


def test_add_with_a_wrong_password_is_stored_in_create_error_and_exits_2() -> None:
    wrong = ADMIN_PASSWORD + PASSWORD
    added = objectsync("connection", "add", "maria", "--technology", "mysql", "--hostname", HOST, "--port", str(PORT),
                       "--username", ADMIN_USER, "--password-env", "MARIA_PASSWORD", env=with_env(MARIA_PASSWORD=wrong))
    assert_clean_error(added, "connection 'maria' failed validation (Initial validation: basic connection test: ", 2)
    assert "Access denied" in added.stderr
    connection = stored("maria")
    assert connection is not None and connection.status == "createError"
    assert connection.validation_results[0]["status"] == "failed"
    assert "password" not in connection.config
    assert decrypt_secret(connection.credentials_encrypted) == {"username": ADMIN_USER, "password": wrong}
    assert job_count() == 0
    assert_never_shown(PASSWORD, added)


def test_connection_test_runs_the_validation_and_stores_nothing(source: str) -> None:
    good = objectsync("connection", "test", "--technology", "postgresql", "--hostname", "127.0.0.1",
                      "--port", str(urlparse(source).port or 5432), "--database", urlparse(source).path.lstrip("/"),
                      "--username", "postgres", "--password-stdin", stdin=PASSWORD + "\n")
    assert good.returncode == 0, good.stderr
    assert [line.split()[0] for line in good.stdout.splitlines()] == ["passed"] * 3
    assert PG_TESTS[0] in good.stdout

    bad = objectsync(
        "connection", "test", "--technology", "postgresql", "--hostname", "127.0.0.1",
        "--port", str(urlparse(source).port or 5432), "--database", urlparse(source).path.lstrip("/"),
        "--username", "ghost_role", "--password-env", "PW", "--json", env=with_env(PW=PASSWORD))
    assert bad.returncode == 2
    report = json.loads(bad.stdout)
    assert report["passed"] is False
    assert [r["status"] for r in report["validationResults"]["validationTests"]] == ["failed", "skipped", "skipped"]
    assert report["validationResults"]["status"] == "failed"
    assert_clean_error(bad, "validation failed (Initial validation: basic connection test: ", 2)
    assert "ghost_role" in bad.stderr
    assert stored("ghost_role") is None and job_count() == 0
    assert_never_shown(PASSWORD, good, bad)


def test_a_failed_edit_keeps_the_working_configuration_and_options_change_without_validation(source: str) -> None:
    assert objectsync(*pg_args("pg", source, "--no-crawl")).returncode == 0
    before = stored("pg")

    broken = objectsync("connection", "edit", "pg", "--username", "ghost_role", "--hostname", "localhost")
    assert_clean_error(broken, "connection 'pg' failed validation (Initial validation: basic connection test: ", 2)
    assert "the previous configuration is kept (status editError)" in broken.stderr
    after = stored("pg")
    assert after.status == "editError" and after.config == before.config
    assert decrypt_secret(after.credentials_encrypted) == decrypt_secret(before.credentials_encrypted)

    options = objectsync("connection", "edit", "pg", "--cron", "30  2 * * 1", "--force-recursive-crawl",
                         "--exclude-table", "tmp_.*", "--json")
    assert options.returncode == 0, options.stderr
    view = json.loads(options.stdout)
    assert view["cron"] == "30 2 * * 1" and view["status"] == "editError", "options alone are not validated"
    assert view["options"] == {"forceRecursiveCrawl": True,
                               "filters": {"tables": {"include": [], "exclude": ["tmp_.*"]}}}
    cleared = objectsync("connection", "edit", "pg", "--clear-filters", "--no-force-recursive-crawl", "--json")
    assert json.loads(cleared.stdout)["options"] == {"forceRecursiveCrawl": False}
    both = objectsync("connection", "edit", "pg", "--clear-filters", "--include-schema", "x")
    assert_clean_error(both, "--clear-filters cannot be combined", 2)
    other_technology = objectsync("connection", "edit", "pg", "--option", "technology=mysql")
    assert_clean_error(other_technology, "--option technology: use --technology instead", 2)

    fixed = objectsync("connection", "edit", "pg", "--username", "postgres")
    assert fixed.returncode == 0, fixed.stderr
    assert stored("pg").status == "enabled"


def test_a_failed_deregistration_is_left_in_delete_error_and_can_be_retried(source: str) -> None:
    assert objectsync(*pg_args("pg", source, "--no-crawl")).returncode == 0
    with psycopg.connect(os.environ["DATABASE_URL"]) as holder:  # another change holding the root object
        holder.execute("SELECT id FROM data_objects WHERE path = ARRAY['pg'] FOR UPDATE")
        blocked = objectsync("connection", "remove", "pg", env=with_env(PGOPTIONS="-c lock_timeout=300ms"))
        assert_clean_error(blocked, "another change holds the rows this one needs; retry", 4)
        assert stored("pg").status == "deleteError"
    removed = objectsync("connection", "remove", "pg")
    assert removed.returncode == 0, removed.stderr
    assert stored("pg") is None


@pytest.mark.parametrize(("option", "flag"), [
    (f"password={PASSWORD}", "--password-env VAR or --password-stdin"),
    (f"token={PASSWORD}", "--token-env VAR or --token-stdin"),
    (f"clientSecret={PASSWORD}", "--client-secret-env VAR or --client-secret-stdin"),
    (f"privateKey={PASSWORD}", "--private-key-env VAR or --private-key-stdin"),
    (f"url=postgresql://reader:{PASSWORD}@db.internal/app", "leave it out of the URL"),
    (f"connectionString=Server=tcp:db,1433;UID=reader;PWD={PASSWORD}", "leave it out"),
])
def test_a_secret_on_the_command_line_is_refused_and_never_echoed(option: str, flag: str) -> None:
    refused = objectsync("connection", "add", "x", "--technology", "sqlalchemy", "--option", option)
    assert_clean_error(refused, flag, 2)
    assert PASSWORD not in refused.stderr + refused.stdout
    assert stored("x") is None


def test_secrets_come_from_the_environment_or_stdin(source: str) -> None:
    two = objectsync(*pg_args("x", source, "--password-stdin", "--token-stdin"), stdin="a\nb\n")
    assert_clean_error(two, "only one secret can come from standard input", 2)

    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n" + PASSWORD + "\n-----END PRIVATE KEY-----"
    added = objectsync(*pg_args("keyed", source, "--no-crawl", "--private-key-stdin", "--token-env", "TOKEN"),
                       stdin=key + "\n", env=with_env(TOKEN=PASSWORD + "-token"))
    assert added.returncode == 0, added.stderr
    credentials = decrypt_secret(stored("keyed").credentials_encrypted)
    assert credentials["privateKey"] == key, "a multi-line secret arrives whole"
    assert credentials["token"] == PASSWORD + "-token"
    shown = objectsync("connection", "show", "keyed")
    assert "credentials set: privateKey, token, username" in shown.stdout
    assert_never_shown(PASSWORD, added, shown)


def test_a_token_based_technology_takes_its_secrets_from_the_environment(unity_catalog: UnityCatalogServer) -> None:
    """Databricks through the real SDK against the Unity Catalog double: a personal access token, then OAuth M2M."""
    common = ["--technology", "databricks", "--option", f"host={unity_catalog.host}",
              "--option", 'catalogs:=["lake"]', "--no-crawl"]
    wrong = objectsync("connection", "add", "dbx", *common, "--token-env", "TOKEN", env=with_env(TOKEN="dapi0000"))
    assert_clean_error(wrong, "connection 'dbx' failed validation (Basic connection test: ", 2)
    assert stored("dbx").status == "createError"

    fixed = objectsync("connection", "edit", "dbx", "--token-env", "TOKEN", env=with_env(TOKEN=unity_catalog.token))
    assert fixed.returncode == 0, fixed.stderr
    connection = stored("dbx")
    assert connection.status == "enabled"
    assert connection.config == {"host": unity_catalog.host, "catalogs": ["lake"]}
    assert decrypt_secret(connection.credentials_encrypted) == {"token": unity_catalog.token}

    oauth = objectsync("connection", "add", "dbx-oauth", *common, "--option", "authenticationType=oauthM2M",
                       "--option", f"clientId={unity_catalog.client_id}", "--client-secret-stdin",
                       stdin=unity_catalog.client_secret)
    assert oauth.returncode == 0, oauth.stderr
    assert decrypt_secret(stored("dbx-oauth").credentials_encrypted)["clientSecret"] == unity_catalog.client_secret
    shown = objectsync("connection", "show", "dbx-oauth", "--json")
    assert json.loads(shown.stdout)["credentialsSet"] == ["clientSecret"]
    for secret in (unity_catalog.token, unity_catalog.client_secret):
        assert_never_shown(secret, wrong, fixed, oauth, shown)


def test_settings_jobs_and_job(worker, source: str) -> None:
    database = urlparse(source).path.lstrip("/")
    added = objectsync(*pg_args("shop", source, "--activate-new-children", "--wait"))
    assert added.returncode == 0, added.stdout + added.stderr
    first_crawl = added.stdout.split("bulkId ")[1].split()[0]
    sales = f"shop/{database}/sales"

    disabled = objectsync("settings", sales, "--active", "disabled", "--wait")
    assert disabled.returncode == 0, disabled.stdout + disabled.stderr
    assert f"shop/{database}/sales: isActive disabled, activateNewChildren inherit, data owners none" in disabled.stdout
    settings_job = disabled.stdout.split("bulkId ")[1].split()[0]
    with session_factory()() as session:
        statuses = session.scalars(select(DataObject.effective_status)
                                   .where(DataObject.path[1:3] == ["shop", database, "sales"])).all()
    assert set(statuses) == {"disabled"}, "the propagation job ran through the worker"

    assert objectsync("token", "create", "--user", "olga").returncode == 0
    owned = objectsync("settings", sales, "--owner", "user:olga", "--json")
    assert json.loads(owned.stdout)["settings"]["dataOwners"] == [{"type": "user", "name": "olga"}]
    assert json.loads(owned.stdout)["bulkId"] is None, "no status change, no propagation job"
    assert_clean_error(objectsync("settings", sales, "--owner", "group:nobody"), "no group named 'nobody'", 2)
    assert_clean_error(objectsync("settings", "shop", "--active", "inherit"),
                       "a connection has no parent to inherit its status from", 2)
    cleared = objectsync("settings", sales, "--no-owners", "--json")
    assert json.loads(cleared.stdout)["settings"]["dataOwners"] == []

    listed = [json.loads(line) for line in objectsync("jobs", "--json").stdout.splitlines()]
    assert [(j["bulkId"], j["kind"], j["status"]) for j in listed] == [
        (settings_job, "settings", "succeeded"), (first_crawl, "crawl", "succeeded")]
    table = objectsync("jobs")
    assert settings_job in table.stdout and "settings" in table.stdout
    assert objectsync("jobs", "--connection", "other", "--json").stdout == ""
    assert objectsync("jobs", "--failed").stdout.strip() == "no jobs"

    objectsync("settings", sales, "--active", "enabled", "--wait")
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("DROP TABLE sales.orders")
        conn.execute("DROP TABLE sales.returns")
    held = objectsync("crawl", sales, "--wait", "--timeout", "60")
    assert held.returncode == 7, held.stdout + held.stderr
    held_job = held.stdout.split("bulkId ")[1].split()[0]
    failed = [json.loads(line) for line in objectsync("jobs", "--failed", "--connection", "shop", "--json")
              .stdout.splitlines()]
    assert [(j["bulkId"], j["status"]) for j in failed] == [(held_job, "partial")]

    one = objectsync("job", held_job, "--json")
    assert one.returncode == 0 and json.loads(one.stdout)["subtasks"]["held"] == 1
    waited = objectsync("job", held_job, "--wait")
    assert waited.returncode == 7 and f"job {held_job} partial" in waited.stdout
    plain = objectsync("job", first_crawl)
    assert plain.returncode == 0 and "crawl of shop, requested by cli" in plain.stdout
    assert "succeeded" in plain.stdout
    assert_clean_error(objectsync("job", str(uuid.uuid4())), "no job with bulkId", 3)


def test_version_names_the_installed_package() -> None:
    result = objectsync("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"objectsync {version('objectsync')}"
