"""End to end: crawl a real PostgreSQL source through the worker; connection tags appear on data sources;
a new column raises an owner request; every event reaches a real webhook receiver, signed, in order."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.object_view_store import object_tags
from catalog.session import session_scope
from models import ChangeEvent, WebhookDelivery
from services.delivery.webhook_subscriptions import create_subscription
from tests.support.events import Receiver
from tests.support.pipeline import crawl, register_source, run_sql, wait_until
from workers.process import WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("events_catalog")]



def test_crawl_tags_requests_and_webhooks(worker: WorkerProcess, receiver: Receiver, source_db: str) -> None:
    from tasks.delivery import relay

    run_sql(source_db, 'CREATE TABLE public."Orders" (id int)', "CREATE TABLE public.items (id int)")
    register_source("pg", source_db)
    with session_scope() as session:
        created = create_subscription(session, url=receiver.url)
        session.execute(text("UPDATE data_objects SET status_setting = 'enabled' WHERE path = ARRAY['pg']"))
        ana = session.execute(text("INSERT INTO users (name) VALUES ('ana') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO grants (permission, user_id, object_id) "
                             "SELECT 'DATA_OWNER', :u, id FROM data_objects WHERE path = ARRAY['pg']"), {"u": ana})
    receiver.secret = created.secret

    assert crawl(["pg"])["status"] == "succeeded"
    with session_scope() as session:
        tables = session.execute(text("SELECT path[4], id FROM data_objects WHERE kind = 'table'")).all()
        tagged = {name: tag for name, object_id in tables for tag, system in object_tags(session, object_id) if system}
        database = session.execute(text("SELECT path[2] FROM data_objects WHERE kind = 'database'")).scalar_one()
    assert tagged == {"Orders": f"Immuta Connections.PostgreSQL.pg.public.{database}",
                      "items": f"Immuta Connections.PostgreSQL.pg.public.{database}"}

    run_sql(source_db, 'ALTER TABLE public."Orders" ADD COLUMN "Amount €" numeric')
    assert crawl(["pg"])["status"] == "succeeded"
    relay.delay()

    def everything_delivered() -> bool:
        with session_scope() as session:
            events = session.scalar(select(text("count(*)")).select_from(ChangeEvent))
            done = session.scalar(select(text("count(*)")).select_from(WebhookDelivery)
                                  .where(WebhookDelivery.status == "delivered"))
            requests = session.scalar(text("SELECT count(*) FROM owner_requests"))
        return requests == 1 and events == done

    wait_until(everything_delivered, 60, every=0.3, nudge=relay.delay)
    types = [r.body["type"] for r in receiver.received]
    assert "objectsync.column.added" in types and "objectsync.request.created" in types
    assert types.index("objectsync.column.added") < types.index("objectsync.request.created")
    sequences = receiver.delivered_sequences()
    assert sequences == sorted(set(sequences))  # in outbox order, none twice
    assert all(r.verified for r in receiver.received)
    added = next(r.body for r in receiver.received if r.body["type"] == "objectsync.column.added")
    assert added["data"]["column"] == "Amount €" and added["data"]["after"]["dataType"]
