"""SIGKILL the worker in the middle of delivering a crawl's change events to a real webhook endpoint: after a
restart every event id arrives at least once, none is lost, and a duplicate is only a redelivery of the one
request that was in flight."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from catalog.session import session_scope
from services.delivery.webhook_subscriptions import create_subscription
from tasks.delivery import deliver, relay
from tests.faults.catalog_state import start_crawl_now, wait_for_job_end, wait_until
from tests.faults.conftest import VISIBILITY_TIMEOUT, StackFactory
from tests.support.pipeline import register_source, run_sql

SOURCE = ["CREATE SCHEMA sales"] + [f"CREATE TABLE sales.t{i} (id int, name text)" for i in range(12)]
HOLD_AT = 6  # the request held open while the worker is killed


class Endpoint:
    """A webhook receiver that verifies signatures and can hold one request open."""

    def __init__(self, server: HTTPServer):
        self.server, self.secret = server, ""
        self.arrivals: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        self.in_flight, self.release = threading.Event(), threading.Event()
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
            verified = True
        except Exception:  # noqa: BLE001 - recorded, the test asserts on it
            verified = False
        with self.lock:
            self.arrivals.append((request.headers.get("webhook-id", ""), verified))
            count = len(self.arrivals)
        if count == HOLD_AT:
            self.in_flight.set()
            self.release.wait(60)
            return Response("too late", status=200)  # the sender is dead; nobody reads this
        return Response("ok", status=200)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    receiver = Endpoint(server)
    yield receiver
    receiver.release.set()
    server.stop()


def test_sigkill_mid_webhook_delivery_loses_nothing(stacks: StackFactory, source_db: str,
                                                    endpoint: Endpoint) -> None:
    stack = stacks()
    worker = stack.worker("deliverer")
    run_sql(source_db, *SOURCE)
    register_source("pg", source_db)
    with session_scope() as session:
        created = create_subscription(session, url=endpoint.server.url_for("/hook"))
        subscription_id = created.subscription.id
        endpoint.secret = created.secret
    job = wait_for_job_end(stack.catalog_url, start_crawl_now(["pg"]), timeout=60)
    assert job["status"] == "succeeded", job
    with psycopg.connect(stack.catalog_url) as conn:
        event_ids = [str(r[0]) for r in conn.execute("SELECT event_id FROM change_events ORDER BY id")]
    assert len(event_ids) > HOLD_AT + 5

    relay.delay()
    assert endpoint.in_flight.wait(60), "the worker never reached the held request"
    worker.kill()
    endpoint.release.set()
    time.sleep(float(VISIBILITY_TIMEOUT) + 1)  # see test_worker_kill: kombu's first restore check must count
    worker.start(timeout=60)

    def all_delivered() -> bool:
        deliver.delay()
        with psycopg.connect(stack.catalog_url) as conn:
            pending = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %s "
                                   "AND status <> 'delivered'", (subscription_id,)).fetchone()[0]
            total = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE subscription_id = %s",
                                 (subscription_id,)).fetchone()[0]
        return total == len(event_ids) and pending == 0

    wait_until(all_delivered, timeout=120, every=1.0, what="every delivery done")
    with endpoint.lock:
        arrivals = list(endpoint.arrivals)
    received = [webhook_id for webhook_id, _ in arrivals]
    assert all(verified for _, verified in arrivals)
    assert set(received) == set(event_ids), "every event delivered, nothing unknown"
    assert list(dict.fromkeys(received)) == event_ids, "in outbox order"
    repeated = {webhook_id: n for webhook_id, n in Counter(received).items() if n > 1}
    assert set(repeated) <= {event_ids[HOLD_AT - 1]} and all(n == 2 for n in repeated.values()), repeated
