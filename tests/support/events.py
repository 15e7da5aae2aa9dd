"""Fixtures for event delivery tests: a catalog hierarchy, outbox writes, and a real HTTP webhook receiver."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.http import HTTPMessage, from_binary_event, from_structured_event
from pytest_httpserver import HTTPServer
from sqlalchemy import text
from standardwebhooks import Webhook
from werkzeug import Request, Response

# Read by this process and by the worker process the session starts (it copies the environment).
os.environ.setdefault("OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
os.environ.setdefault("OBJECTSYNC_WEBHOOK_BACKOFF_BASE_SECONDS", "0.2")
os.environ.setdefault("OBJECTSYNC_WEBHOOK_BACKOFF_MAX_SECONDS", "1")
os.environ.setdefault("OBJECTSYNC_WEBHOOK_TIMEOUT_SECONDS", "5")


@dataclass(frozen=True, slots=True)
class Hierarchy:
    connection_id: int
    connection_key: str
    ids: dict[tuple[str, ...], int]


def build_hierarchy(key: str = "pg", tables: dict[str, str] | None = None) -> Hierarchy:
    """connection `key` → database `app` → schema `Sales` → tables; `tables` maps name → effective status
    (a name ending in '@view' becomes a view)."""
    from catalog.session import session_scope
    from services.connections.connection_records import store_connection

    tables = tables if tables is not None else {"Orders": "enabled"}
    with session_scope() as session:
        connection = store_connection(
            session, key=key, technology="postgresql", config={"host": "localhost"}, credentials={"password": "x"})
        ids: dict[tuple[str, ...], int] = {
            (key,): session.execute(text("SELECT id FROM data_objects WHERE path = :p"), {"p": [key]}).scalar_one()
        }

        def add(path: tuple[str, ...], kind: str, status: str) -> None:
            ids[path] = session.execute(text("""
                INSERT INTO data_objects (connection_id, parent_id, kind, name, path, status_setting, effective_status,
                                          activate_new_children, remote_state, revision)
                VALUES (:c, :parent, :kind, :name, :path, 'inherit', :status, 'inherit', 'present', 1) RETURNING id
            """), {"c": connection.id, "parent": ids[path[:-1]], "kind": kind, "name": path[-1], "path": list(path),
                   "status": status}).scalar_one()

        add((key, "app"), "database", "enabled")
        add((key, "app", "Sales"), "schema", "enabled")
        for name, status in tables.items():
            kind = "view" if name.endswith("@view") else "table"
            add((key, "app", "Sales", name.removesuffix("@view")), kind, status)
        return Hierarchy(connection.id, key, ids)


def write_outbox(connection_key: str, events: list, object_ids: dict | None = None) -> list[int]:
    """Insert events with the outbox's own writer (advisory lock, id order); returns their outbox ids."""
    from catalog.outbox import write_events
    from catalog.session import session_scope

    with session_scope() as session:
        write_events(session, connection_key, events, object_ids=object_ids)
        return list(session.execute(
            text("SELECT id FROM change_events WHERE event_id = ANY(:ids) ORDER BY id"),
            {"ids": [e.event_id for e in events]},
        ).scalars())


def crawl_outbox(connection_key: str, events: list, object_ids: dict | None = None) -> int:
    """Write events as a crawl's schema subtask does: in one transaction of a new job, then the owner requests
    they raise; returns how many requests were raised."""
    from catalog.outbox import last_event_id, write_events
    from catalog.session import session_scope
    from services.crawl.owner_requests import raise_owner_requests

    with session_scope() as session:
        job_id = session.execute(text(
            "INSERT INTO jobs (bulk_id, kind, connection_key, scope_path, options, status, errors, summary, "
            "planned_changes, subtasks_succeeded, subtasks_held, subtasks_failed) VALUES (gen_random_uuid(), "
            "'crawl', :k, ARRAY[:k], '{}', 'running', '[]', '{}', '[]', 0, 0, 0) RETURNING id"),
            {"k": connection_key}).scalar_one()
        before = last_event_id(session)
        write_events(session, connection_key, events, job_id=job_id, object_ids=object_ids)
        requests = raise_owner_requests(session, job_id, before)
        write_events(session, connection_key, [e for e, _ in requests], job_id=job_id,
                     object_ids={e.path: table_id for e, table_id in requests})
        return len(requests)


def column_events(table_path: tuple[str, ...], count: int, start: int = 0, event_type: str = "column.added") -> list:
    from domain import change_types as ev

    return [
        ev.planned(event_type, table_path, 2, {"column": f"c{i}", "after": {"dataType": "int"}}, f"c{i}")
        for i in range(start, start + count)
    ]


@dataclass
class Received:
    webhook_id: str
    sequence: int
    verified: bool
    answered: int
    body: dict
    #: The CloudEvent as the SDK read it, and in which content mode (None: not a CloudEvent it accepts).
    cloudevent: BaseCloudEvent | None = None
    mode: str | None = None

    def attribute(self, name: str) -> object:
        return self.cloudevent.get_attributes().get(name) if self.cloudevent is not None else None


def read_cloudevent(headers: dict[str, str], body: str) -> tuple[BaseCloudEvent | None, str | None]:
    """Parse a request as a strict CloudEvents HTTP receiver does (the `cloudevents` SDK, which checks every
    required attribute): structured mode only with `content-type: application/cloudevents+json`, binary mode
    only with a `ce-specversion` header, anything else refused."""
    lowered = {k.lower(): v for k, v in headers.items()}
    message = HTTPMessage(headers=lowered, body=body.encode())
    try:
        if lowered.get("content-type", "").split(";")[0].strip() == "application/cloudevents+json":
            return from_structured_event(message), "structured"
        if "ce-specversion" in lowered:
            return from_binary_event(message), "binary"
    except Exception:  # noqa: BLE001 - recorded as not accepted, the test asserts on it
        return None, None
    return None, None


@dataclass
class Receiver:
    """A real HTTP endpoint that verifies Standard Webhooks signatures and answers as scripted."""

    server: HTTPServer
    secret: str = ""
    #: Status codes for the next requests, in order; 200 once exhausted.
    script: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    #: Called before answering (a test may block here to hold a delivery in flight).
    before_answer: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("/hook")

    def handle(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        headers = dict(request.headers)
        try:
            payload = Webhook(self.secret).verify(body, headers)
            verified = True
        except Exception:  # noqa: BLE001 - recorded as unverified, the test asserts on it
            payload, verified = {}, False
        cloudevent, mode = read_cloudevent(headers, body)
        with self.lock:
            status = self.script.pop(0) if self.script else 200
        sequence = cloudevent.get_attributes().get("sequence") if cloudevent is not None else payload.get("sequence")
        entry = Received(request.headers.get("webhook-id", ""), int(sequence or 0), verified, status, payload,
                         cloudevent, mode)
        if self.before_answer is not None:
            self.before_answer(entry)
        with self.lock:
            self.received.append(entry)
        return Response("ok" if status < 300 else "nope", status=status)

    def delivered_sequences(self) -> list[int]:
        """Outbox ids of the requests answered 2xx, in arrival order."""
        with self.lock:
            return [r.sequence for r in self.received if 200 <= r.answered < 300]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"receiver condition not met in {timeout}s; received {self.received!r}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    receiver = Receiver(server)
    server.expect_request("/hook", method="POST").respond_with_handler(receiver.handle)
    yield receiver
    receiver.before_answer = None
    if server.is_running():
        server.stop()


@pytest.fixture
def events_catalog(catalog: None, redis_env: str) -> Iterator[None]:
    """An empty catalog plus Redis; the outbox consumers (and the stream) start from the beginning."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=f"{redis_env}objectsync:events*"):
        client.delete(key)
    yield
