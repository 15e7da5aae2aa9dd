"""The published event contract (events/contract) against what the code really emits.

The end-to-end test crawls a real PostgreSQL source through a real Celery worker until every event type has
been produced, then validates every CloudEvent three ways: rebuilt from the outbox, as a signed webhook body
a real HTTP receiver got, and as a Redis stream entry. A new event type, or any payload drift, fails it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select, text

from catalog.session import session_scope
from models import ChangeEvent, Connection, WebhookDelivery
from services.delivery.contract import (
    EVENT_MODELS,
    CloudEvent,
    UnknownEventType,
    event_model,
    event_schema,
    parse_event,
)
from services.delivery.contract.jobs import (
    ContainersHeld,
    JobCompleted,
    JobFailedToStart,
    SettingsJobCompleted,
    TablesHeld,
)
from services.delivery.contract.objects import (
    ContainerCreated,
    DataSourceDisabled,
    DataSourceEnabled,
    TableCreated,
)
from services.delivery.envelope import serialize, to_cloudevent
from services.delivery.event_stream import stream_key
from services.delivery.subscription_filters import EVENT_TYPES
from services.delivery.webhook_subscriptions import create_subscription
from settings import Settings
from tests.support.events import Receiver
from tests.support.pipeline import crawl, register_source, run_sql, wait_until
from workers.process import WorkerProcess

pytestmark = pytest.mark.usefixtures("events_catalog")
ROOT = Path(__file__).resolve().parents[3]

SOURCE = [
    "CREATE SCHEMA sales",
    "CREATE TABLE sales.customers (id int PRIMARY KEY, name text NOT NULL, email varchar(200))",
    "CREATE TABLE sales.orders (id bigint, customer_id int, amount numeric(10,2), placed_at date)",
    "CREATE TABLE sales.notes (id int, body text)",
    "CREATE TABLE sales.returns (id int, reason text)",
    "CREATE TABLE sales.refunds (id int)",
    "CREATE VIEW sales.big_orders AS SELECT id, amount FROM sales.orders WHERE amount > 100",
    "CREATE SCHEMA archive",
    "CREATE TABLE archive.old_a (id int)",
    "CREATE TABLE archive.old_b (id int)",
    "CREATE SCHEMA scratch",
    *[f"CREATE TABLE scratch.s{i} (id int)" for i in range(4)],
]


def outbox() -> list[ChangeEvent]:
    with session_scope() as session:
        return list(session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)))


def set_credentials(credentials: dict[str, str]) -> None:
    from services.access.secrets import encrypt_secret

    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == "pg"))
        connection.credentials_encrypted = encrypt_secret(credentials)


def change_status(path: list[str], is_active: str) -> dict[str, Any]:
    """A settings change through the service the API calls, propagated by the worker."""
    from services.connections.object_settings import SettingsChange, update_settings
    from services.crawl.jobs import wait_for_job

    with session_scope() as session:  # the propagation task is sent when this commits
        job = update_settings(session, path, SettingsChange(is_active=is_active), requested_by="ana")
    return wait_for_job(job.bulk_id)


def relay_everything(receiver: Receiver) -> list[ChangeEvent]:
    """Relay until the receiver has every outbox event and the stream has caught up; returns the outbox."""
    from tasks.delivery import relay

    def caught_up() -> list[ChangeEvent] | None:
        with session_scope() as session:
            delivered = session.scalar(select(text("count(*)")).select_from(WebhookDelivery)
                                       .where(WebhookDelivery.status == "delivered"))
        events = outbox()
        stream = redis.Redis.from_url(os.environ["REDIS_URL"]).xlen(stream_key(Settings()))
        return events if delivered == stream == len(events) else None

    relay.delay()
    return wait_until(caught_up, 90, every=0.3, nudge=relay.delay, what="every event relayed")


def produce_every_event_type(db: str, source: str, owner: int) -> None:
    """Drive the pipeline (and the services the API calls) through every kind of change, in a sensible order."""
    from services.connections.object_deletion import delete_object
    from services.delivery.owner_requests import list_requests, validate_request
    from tasks.delivery import relay

    assert crawl(["pg"])["status"] == "succeeded"  # object.created for everything, job.finished

    run_sql(source,
            "ALTER TABLE sales.customers ADD COLUMN phone text",  # column.added → request.created
            "ALTER TABLE sales.notes DROP COLUMN body",  # column.deleted → request.created
            "ALTER TABLE sales.orders ALTER COLUMN customer_id TYPE bigint",  # column.type_changed
            "ALTER TABLE sales.orders ALTER COLUMN placed_at SET NOT NULL",  # column.changed
            "ALTER TABLE sales.customers RENAME COLUMN email TO email_address",  # column.renamed
            "COMMENT ON TABLE sales.orders IS 'what people buy'",  # object.changed
            "DROP TABLE sales.returns",  # object.deleted_remotely (a table)
            "DROP SCHEMA archive CASCADE")  # object.deleted_remotely (a schema), data_source.disabled by crawl
    assert crawl(["pg"])["status"] == "succeeded"
    relay.delay()

    def three_requests() -> list[Any]:  # column added, deleted, retyped
        with session_scope() as session:
            found = list_requests(session)
        return found if len(found) == 3 else []

    requests = wait_until(three_requests, 60, nudge=relay.delay, what="three owner requests")
    assert sorted(r.kind for r in requests) == ["column_added", "column_deleted", "column_type_changed"]

    run_sql(source, "CREATE TABLE sales.returns (id int, reason text)",
            "CREATE SCHEMA archive", "CREATE TABLE archive.old_a (id int)", "CREATE TABLE archive.old_b (id int)")
    assert crawl(["pg"])["status"] == "succeeded"  # object.restored (table and schema), data_source.enabled

    run_sql(source, "CREATE TABLE sales.fresh (id int)")
    assert crawl(["pg"], dry_run=True)["status"] == "succeeded"  # job.finished of a dry run

    run_sql(source, "DROP TABLE scratch.s0", "DROP TABLE scratch.s1", "DROP TABLE scratch.s2")
    assert crawl(["pg"])["status"] == "partial"  # sync.guard_tripped over tables

    assert change_status(["pg", db, "archive"], "disabled")["status"] == "succeeded"  # data_source.disabled
    assert change_status(["pg", db, "archive"], "inherit")["status"] == "succeeded"  # data_source.enabled

    with session_scope() as session:  # request.resolved, with and without tags
        for request in requests:
            validate_request(session, request.id, user_id=owner)
    with session_scope() as session:  # object.deleted
        delete_object(session, ["pg", db, "sales", "notes"], requested_by="ana")
    with session_scope() as session:
        delete_object(session, ["pg", db, "archive"])

    set_credentials({"username": "objectsync_no_such_role", "password": ""})
    assert crawl(["pg"])["status"] == "failed"  # job.finished without subtasks: could not list
    set_credentials({"username": "postgres", "password": ""})

    run_sql(source, "DROP SCHEMA sales CASCADE", "DROP SCHEMA scratch CASCADE")
    assert crawl(["pg"])["status"] == "partial"  # sync.guard_tripped over schemas: 2 of the 3 it knew


@pytest.mark.integration
def test_every_event_the_pipeline_emits_matches_the_contract_of_its_type(
    worker: WorkerProcess, receiver: Receiver, source_db: str,
) -> None:
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, *SOURCE)
    register_source("pg", source_db)
    with session_scope() as session:
        receiver.secret = create_subscription(session, url=receiver.url).secret
        ana = session.execute(text("INSERT INTO users (name) VALUES ('ana') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO grants (permission, user_id, object_id) "
                             "SELECT 'DATA_OWNER', :u, id FROM data_objects WHERE path = ARRAY['pg']"), {"u": ana})

    produce_every_event_type(db, source_db, ana)
    events = relay_everything(receiver)

    # 1. Rebuilt from the outbox: the exact bytes webhooks sign and the stream carries.
    parsed: dict[str, list[CloudEvent]] = defaultdict(list)
    for event in events:
        parsed[event.type].append(parse_event(serialize(to_cloudevent(event))))
    assert set(parsed) == set(EVENT_TYPES) == set(EVENT_MODELS), "every event type emitted, and only those"

    # 2. What a consumer got: signed webhook bodies, and Redis stream entries.
    assert all(r.verified for r in receiver.received)
    delivered = {r.body["id"]: parse_event(r.body) for r in receiver.received if 200 <= r.answered < 300}
    entries = redis.Redis.from_url(os.environ["REDIS_URL"]).xrange(stream_key(Settings()))
    streamed = {fields[b"id"].decode(): parse_event(fields[b"event"]) for _, fields in entries}
    everything = {str(e.id): e for batch in parsed.values() for e in batch}
    assert delivered == streamed == everything

    # Each emitter's variant was seen, so each one is checked against its own shape.
    data = [e.data for batch in parsed.values() for e in batch]
    for variant in (TableCreated, ContainerCreated, JobCompleted, SettingsJobCompleted, JobFailedToStart, TablesHeld,
                    ContainersHeld,
                    DataSourceEnabled, DataSourceDisabled):
        assert any(type(d) is variant for d in data), f"no {variant.__name__} event"
    assert any(e.data.dryRun for e in parsed["job.finished"] if isinstance(e.data, JobCompleted))
    resolved_tags = sorted((e.data.before.tags, e.data.after.tags) for e in parsed["request.resolved"]
                           if e.data.before.tags is not None)
    assert resolved_tags == [(["New"], []), (["New"], [])], "an added and a retyped column lose their New tag"
    assert [e.data.owners for e in parsed["request.created"]] == [[ana], [ana], [ana]]


def cloudevent(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0", "id": "0b6c1d8e-6f5a-5c2e-9a8b-3f1d2c4e5a6b", "type": f"objectsync.{event_type}",
        "source": "objectsync://connections/pg", "subject": "pg/app/Sales/Orders",
        "time": "2026-01-02T03:04:05Z", "datacontenttype": "application/json", "sequence": "7", "data": data,
    }


ADDED = {"objectPath": ["pg", "app", "Sales", "Orders"], "objectId": 3, "jobId": 1,
         "bulkId": "7d3c2b1a-0000-4000-8000-000000000001", "column": "amount",
         "before": None, "after": {"ordinal": 2, "dataType": "numeric(10,2)", "nullable": True, "comment": None}}


@pytest.mark.parametrize(("change", "where"), [
    ({"surprise": 1}, "data.surprise"),  # a key the contract does not know
    ({"objectId": "3"}, "data.objectId"),  # no coercion: a string is not an id
    ({"after": {**ADDED["after"], "tags": ["New"]}}, "data.after.tags"),
    ({"objectPath": ["pg", "app"]}, "data.objectPath"),
])
def test_drift_from_the_contract_is_refused(change: dict[str, Any], where: str) -> None:
    assert parse_event(cloudevent("column.added", ADDED)).data.column == "amount"
    with pytest.raises(ValueError, match=re.escape(where)):
        parse_event(cloudevent("column.added", {**ADDED, **change}))


def test_types_are_looked_up_in_either_spelling_and_unknown_ones_refused() -> None:
    assert event_model("column.added") is event_model("objectsync.column.added")
    with pytest.raises(UnknownEventType, match="unknown event type 'column.moved'"):
        event_model("column.moved")
    with pytest.raises(ValueError, match="not an objectsync CloudEvent"):
        parse_event({**cloudevent("column.added", ADDED), "type": "com.example.other"})


def test_the_openapi_document_lists_one_webhook_per_event_type_with_its_data_schema() -> None:
    from api.app import create_app

    document = create_app().openapi()  # what /openapi.json serves
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == {f"objectsync.{t}" for t in EVENT_TYPES}
    schemas = document["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    for name, webhook in document["webhooks"].items():
        body = resolve(webhook["post"]["requestBody"]["content"]["application/cloudevents+json"]["schema"])
        assert body["properties"]["type"]["const"] == name
        assert body["description"] and webhook["post"]["description"] == body["description"]
        assert {p["name"] for p in webhook["post"]["parameters"]} == {
            "webhook-id", "webhook-timestamp", "webhook-signature"}
    added = resolve(resolve(document["webhooks"]["objectsync.column.added"]["post"]["requestBody"]["content"]
                            ["application/cloudevents+json"]["schema"])["properties"]["data"])
    assert "additionalProperties" not in added, "open for additions, as the published schema is"
    assert set(added["required"]) == {"objectPath", "objectId", "jobId", "bulkId", "column", "before", "after"}
    assert resolve(added["properties"]["after"])["required"] == ["ordinal", "dataType", "nullable", "comment"]
    assert document["paths"], "the REST paths are still there"


def events_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "events", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, env=dict(os.environ), timeout=60)


def test_the_cli_prints_the_schema_of_one_type_or_of_all() -> None:
    one = events_cli("schema", "column.added")
    assert one.returncode == 0, one.stderr
    schema = json.loads(one.stdout)
    assert schema == json.loads(json.dumps(event_schema("column.added")))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"]["const"] == "objectsync.column.added"
    assert schema["$defs"]["ColumnAdded"]["properties"]["column"]["type"] == "string"

    every = json.loads(events_cli("schema").stdout)
    assert set(every["discriminator"]["mapping"]) == {f"objectsync.{t}" for t in EVENT_TYPES}

    unknown = events_cli("schema", "column.moved")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.splitlines() == [unknown.stderr.strip()]
    assert unknown.stderr.startswith("objectsync: error: unknown event type 'column.moved'; known: object.created")


def test_the_events_command_still_lists_events() -> None:
    from domain import change_types as ev
    from tests.support.events import build_hierarchy, column_events, write_outbox

    hierarchy = build_hierarchy()
    table = ("pg", "app", "Sales", "Orders")
    write_outbox("pg", column_events(table, 2) + [ev.planned(ev.COLUMN_DELETED, table, 3, {"column": "x"}, "x")],
                 {table: hierarchy.ids[table]})
    listed = events_cli("--json", "--type", "column.added")
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["data"]["column"] for line in listed.stdout.splitlines()] == ["c0", "c1"]


def test_a_settings_job_whose_object_was_deleted_first_ends_failed_with_its_event() -> None:
    from services.connections.object_deletion import delete_object
    from services.connections.object_settings import SettingsChange, propagate_status, update_settings
    from tests.support.events import build_hierarchy
    from tests.support.pipeline import task_messages_lost

    build_hierarchy()
    table = ["pg", "app", "Sales", "Orders"]
    with task_messages_lost(), session_scope() as session:  # the propagation runs below, after the delete
        job = update_settings(session, table, SettingsChange(is_active="disabled"))
        assert job is not None
        job_id, bulk_id = job.id, str(job.bulk_id)
    with session_scope() as session:
        delete_object(session, table, requested_by="test")
    with session_scope() as session:
        assert propagate_status(session, job_id) is None
    with session_scope() as session:
        [finished] = session.scalars(select(ChangeEvent).where(ChangeEvent.type == "job.finished")).all()
        parsed = parse_event(serialize(to_cloudevent(finished)))
    assert type(parsed.data) is JobFailedToStart
    assert (parsed.data.jobKind, parsed.data.status, str(parsed.data.bulkId)) == ("settings", "failed", bulk_id)
    assert parsed.data.error == "object was deleted" and parsed.data.objectPath == table


def test_the_published_schema_accepts_members_added_later_but_not_missing_ones() -> None:
    """The evolution policy: new members may appear in any object at any time; none is removed or retyped."""
    import jsonschema_rs

    validator = jsonschema_rs.Draft202012Validator(event_schema("column.added"))
    later = {**cloudevent("column.added", {**ADDED, "addedLater": {"any": "shape"}}), "traceparent": "00-1-2-01"}
    validator.validate(later)
    missing = cloudevent("column.added", {k: v for k, v in ADDED.items() if k != "bulkId"})
    with pytest.raises(jsonschema_rs.ValidationError, match="bulkId"):
        validator.validate(missing)
