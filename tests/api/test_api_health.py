"""Liveness, readiness and Prometheus metrics, over real HTTP against the real catalog and Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from catalog.migrate import alembic_config, upgrade
from catalog.session import session_scope
from tests.api.conftest import Users, free_port
from tests.conftest import RUN_ID, create_database, drop_database
from tests.faults.conftest import ApiServer


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def test_live_and_ready_need_no_token(users: Users) -> None:
    assert httpx.get(f"{users.base_url}/health/live").json() == {"status": "ok", "checks": []}
    ready = httpx.get(f"{users.base_url}/health/ready")
    assert ready.status_code == 200, ready.text
    checks = {c["name"]: c for c in ready.json()["checks"]}
    assert ready.json()["status"] == "ok" and set(checks) == {"catalog", "broker"}
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert checks["catalog"]["ok"] and checks["catalog"]["detail"] == f"revision {head}"
    assert checks["broker"] == {**checks["broker"], "ok": True, "detail": "answers"}


def test_metrics_need_an_admin_token(users: Users) -> None:
    assert httpx.get(f"{users.base_url}/metrics").status_code == 401
    assert users.as_user("olga").get("/metrics").status_code == 403
    assert users.as_user("gina", "GOVERNANCE").get("/metrics").status_code == 200


def test_metrics_report_the_catalog_outbox_and_broker(users: Users) -> None:
    with session_scope() as session:
        session.execute(text("""
            INSERT INTO connections (key, technology, config, status, options, cron, event_namespace,
                                     last_sync_at, next_sync_at, validation_results)
            VALUES ('Sales DB', 'postgresql', '{}', 'enabled', '{}', '0 1 * * *', 0,
                    to_timestamp(1700000000), to_timestamp(1700086400), '[]'),
                   ('lake', 'databricks', '{}', 'recurringValidationError', '{}', '0 1 * * *', 0, NULL, NULL, '[]')
        """))
        session.execute(text("""
            INSERT INTO jobs (bulk_id, kind, connection_key, scope_path, options, status, subtasks_succeeded,
                              subtasks_held, subtasks_failed, errors, summary, planned_changes, started_at)
            VALUES (gen_random_uuid(), 'crawl', 'Sales DB', '{}', '{}', 'running', 0, 0, 0, '[]', '{}', '[]',
                    now() - interval '90 seconds')
        """))
        session.execute(text("""
            INSERT INTO change_events (event_id, type, connection_key, object_path, payload)
            SELECT gen_random_uuid(), 'column.added', 'Sales DB', ARRAY['Sales DB', 'db', 's', 't'], '{}'
            FROM generate_series(1, 5)
        """))
        last_id = session.execute(text("SELECT max(id) FROM change_events")).scalar()
        session.execute(text("INSERT INTO relay_cursors (name, last_event_id) VALUES ('webhooks', :at)"),
                        {"at": last_id - 2})

    page = users.as_user("admin", "APPLICATION_ADMIN").get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    found = samples(page.text)
    assert found[("objectsync_catalog_up", ())] == 1 and found[("objectsync_broker_up", ())] == 1
    assert found[("objectsync_connections", (("status", "enabled"), ("technology", "postgresql")))] == 1
    assert found[("objectsync_connections",
                  (("status", "recurringValidationError"), ("technology", "databricks")))] == 1
    assert found[("objectsync_connection_last_sync_timestamp_seconds", (("connection", "Sales DB"),))] == 1.7e9
    assert ("objectsync_connection_last_sync_timestamp_seconds", (("connection", "lake"),)) not in found
    assert found[("objectsync_jobs", (("status", "running"),))] == 1
    assert 90 <= found[("objectsync_oldest_unfinished_job_age_seconds", ())] < 600
    assert found[("objectsync_outbox_last_event_id", ())] == last_id
    assert found[("objectsync_outbox_consumer_lag_events", (("consumer", "webhooks"),))] == 2
    queues = {labels: value for (name, labels), value in found.items() if name == "objectsync_broker_queue_messages"}
    assert {dict(labels)["queue"] for labels in queues} == {"objectsync.manual", "objectsync.control",
                                                            "objectsync.schemas", "objectsync.events"}
    assert all(value >= 0 for value in queues.values())


def test_metrics_histograms_of_crawls_deliveries_and_relay_lag(users: Users) -> None:
    with session_scope() as session:
        session.execute(text("""
            INSERT INTO connections (key, technology, config, status, options, cron, event_namespace,
                                     validation_results)
            VALUES ('pg', 'postgresql', '{}', 'enabled', '{}', '0 1 * * *', 0, '[]')
        """))
        session.execute(text("""
            INSERT INTO jobs (bulk_id, kind, connection_key, scope_path, options, status, subtasks_succeeded,
                              subtasks_held, subtasks_failed, errors, summary, planned_changes, started_at,
                              finished_at)
            VALUES (gen_random_uuid(), 'crawl', 'pg', '{}', '{}', 'succeeded', 1, 0, 0, '[]', '{}', '[]',
                    now() - interval '10 minutes', now() - interval '10 minutes' + interval '3 seconds'),
                   (gen_random_uuid(), 'scheduled_sync', 'pg', '{}', '{}', 'partial', 1, 0, 1, '[]', '{}', '[]',
                    now() - interval '1 minute', now() - interval '1 minute' + interval '40 seconds')
        """))
        event_id = session.execute(text("""
            INSERT INTO change_events (event_id, type, connection_key, object_path, payload, occurred_at)
            VALUES (gen_random_uuid(), 'column.added', 'pg', ARRAY['pg', 'db', 's', 't'], '{}',
                    now() - interval '200 milliseconds') RETURNING id""")).scalar_one()
        subscription = session.execute(text("""
            INSERT INTO webhook_subscriptions (url, secret_encrypted, event_types, path_prefix, enabled,
                                               consecutive_failures)
            VALUES ('https://example.org/hook', '\\x00', '{}', '{}', true, 0) RETURNING id""")).scalar_one()
        delivery = session.execute(text("""
            INSERT INTO webhook_deliveries (subscription_id, event_id, status, attempts)
            VALUES (:s, :e, 'delivered', 2) RETURNING id"""), {"s": subscription, "e": event_id}).scalar_one()
        session.execute(text("""
            INSERT INTO webhook_delivery_attempts (delivery_id, attempt, succeeded, status_code, duration_ms)
            VALUES (:d, 1, false, 500, 30), (:d, 2, true, 200, 70)"""), {"d": delivery})

    found = samples(users.as_user("admin", "APPLICATION_ADMIN").get("/metrics").text)

    def sample(name: str, **labels: str) -> float:
        return found[(f"objectsync_{name}", tuple(sorted(labels.items())))]

    assert sample("crawl_duration_seconds_count", technology="postgresql") == 2
    assert sample("crawl_duration_seconds_sum", technology="postgresql") == pytest.approx(43, abs=0.01)
    assert sample("crawl_duration_seconds_bucket", technology="postgresql", le="5.0") == 1
    assert sample("crawl_duration_seconds_bucket", technology="postgresql", le="60.0") == 2
    assert sample("webhook_delivery_duration_seconds_count", outcome="delivered") == 1
    assert sample("webhook_delivery_duration_seconds_count", outcome="failed") == 1
    assert sample("webhook_delivery_duration_seconds_bucket", outcome="failed", le="0.05") == 1
    assert sample("webhook_delivery_duration_seconds_bucket", outcome="delivered", le="0.05") == 0
    assert sample("relay_lag_seconds_count") == 1 and sample("relay_lag_seconds_sum") >= 0.2
    assert sample("connection_last_crawl_status", connection="pg", status="partial") == 1
    assert sample("connection_last_crawl_duration_seconds", connection="pg") == pytest.approx(40, abs=0.01)


@pytest.mark.usefixtures("worker", "settled_jobs")
def test_metrics_time_each_schema_read_of_a_real_crawl(users: Users, source_db: str) -> None:
    from tests.support.pipeline import crawl, register_source, run_sql

    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)", "CREATE SCHEMA hr",
            "CREATE TABLE hr.people (id int)")
    register_source("pg", source_db)
    assert crawl(["pg"])["status"] == "succeeded"
    with session_scope() as session:
        reads: dict[str, float] = dict(
            session.execute(text("SELECT schema, read_seconds FROM job_subtasks")).tuples().all())
    assert {"sales", "hr"} <= set(reads) and all(seconds and seconds > 0 for seconds in reads.values()), reads

    found = samples(users.as_user("admin", "APPLICATION_ADMIN").get("/metrics").text)

    def sample(name: str, **labels: str) -> float:
        return found[(f"objectsync_schema_read_duration_seconds_{name}", tuple(sorted(labels.items())))]

    assert sample("count", technology="postgresql") == len(reads)
    assert sample("sum", technology="postgresql") == pytest.approx(sum(reads.values()))
    assert sample("bucket", technology="postgresql", le="+Inf") == len(reads)
    assert sample("bucket", technology="postgresql", le="0.01") == sum(1 for s in reads.values() if s <= 0.01)
    assert sample("bucket", technology="postgresql", le="300.0") == len(reads)


@pytest.fixture
def stale_catalog() -> Iterator[str]:
    name = f"objectsync_test_stale_{RUN_ID}"
    url = create_database(name)
    upgrade(url, "0002")
    yield url
    drop_database(name)


def test_not_ready_when_the_catalog_lags_and_the_broker_is_down(stale_catalog: str, tmp_path: Path) -> None:
    """503, each failing dependency named by kind, and no host, port or URL in the answer."""
    dead_broker = f"redis://:hunter2-{uuid.uuid4().hex}@127.0.0.1:{free_port()}/0"
    server = ApiServer({**os.environ, "DATABASE_URL": stale_catalog, "REDIS_URL": dead_broker},
                       tmp_path / "api.log")
    server.start()
    try:
        ready = httpx.get(f"{server.url}/health/ready", timeout=30)
        assert httpx.get(f"{server.url}/health/live").status_code == 200
    finally:
        server.stop()
    assert ready.status_code == 503
    checks = {c["name"]: c for c in ready.json()["checks"]}
    assert ready.json()["status"] == "unavailable"
    assert not checks["catalog"]["ok"] and "revision 0002" in checks["catalog"]["detail"]
    assert "objectsync migrate" in checks["catalog"]["detail"]
    assert not checks["broker"]["ok"] and checks["broker"]["detail"].startswith("unreachable (")
    for leak in ("127.0.0.1", "hunter2", stale_catalog.rsplit("/", 1)[1], "redis://", "postgresql://"):
        assert leak not in ready.text


def test_not_ready_when_the_catalog_is_unreachable(redis_env: str, tmp_path: Path) -> None:
    """The API still starts (nothing needs the catalog at startup without a bootstrap token) and says why."""
    env = {**os.environ, "DATABASE_URL": f"postgresql://postgres:pw-{uuid.uuid4().hex}@127.0.0.1:{free_port()}/x"}
    env.pop("OBJECTSYNC_BOOTSTRAP_TOKEN", None)
    server = ApiServer(env, tmp_path / "api.log")
    server.start()
    try:
        ready = httpx.get(f"{server.url}/health/ready", timeout=30)
    finally:
        server.stop()
    assert ready.status_code == 503
    checks = {c["name"]: c for c in ready.json()["checks"]}
    assert checks["catalog"] == {**checks["catalog"], "ok": False, "detail": "unreachable (OperationalError)"}
    assert checks["broker"]["ok"]
    assert "pw-" not in ready.text and "127.0.0.1" not in ready.text


def test_metrics_say_which_dependency_is_down(users: Users, tmp_path: Path) -> None:
    """A broker that is down is `broker_up 0`, and the catalog's figures still come."""
    token = users.token("scraper", "APPLICATION_ADMIN")
    server = ApiServer({**os.environ, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, tmp_path / "api.log")
    server.start()
    try:
        page = server.client(token).get("/metrics")
    finally:
        server.stop()
    assert page.status_code == 200, page.text
    found = samples(page.text)
    assert found[("objectsync_broker_up", ())] == 0 and found[("objectsync_catalog_up", ())] == 1
    assert ("objectsync_outbox_last_event_id", ()) in found
    assert not any(name == "objectsync_broker_queue_messages" for name, _ in found)
