"""One OpenTelemetry trace from an API request to each webhook delivery: the crawl request, the crawl task,
its schema subtasks, the relay and the delivery, the context carried in the Celery task headers. Spans are
collected by the SDK's in-memory exporter; the API and a real Celery worker run in this process for that."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from catalog.session import session_scope
from services.access.tokens import create_token, grant_global
from services.delivery.webhook_subscriptions import create_subscription
from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, DELIVER_WEBHOOKS, RELAY_EVENTS
from tests.support.events import Receiver
from tests.support.pipeline import register_source, run_sql
from workers.celery_app import app as celery_app
from workers.process import WorkerProcess
from workers.tracing import install_tracer_provider, instrument_libraries, tracing_configured

pytestmark = pytest.mark.usefixtures("catalog")
EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans(worker: WorkerProcess) -> Iterator[InMemorySpanExporter]:
    """This process traces into memory, and is the only worker while the test runs."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        pytest.skip("another tracer provider is installed in this process")
    install_tracer_provider("objectsync-test", SimpleSpanProcessor(EXPORTER))
    instrument_libraries()
    worker.stop()
    try:
        yield EXPORTER
    finally:
        worker.start(timeout=120)


def test_tracing_is_off_unless_otel_variables_configure_it() -> None:
    assert not tracing_configured({})
    assert not tracing_configured({"OTEL_SERVICE_NAME": "x"})
    assert tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert not tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"})
    assert not tracing_configured({"OTEL_TRACES_EXPORTER": "none"})


def test_one_trace_from_the_crawl_request_to_each_webhook_delivery(spans: InMemorySpanExporter, source_db: str,
                                                                   receiver: Receiver) -> None:
    from api.app import create_app

    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)", "CREATE SCHEMA hr",
            "CREATE TABLE hr.people (id int)")
    register_source("pg", source_db)
    with session_scope() as session:
        receiver.secret = create_subscription(session, url=receiver.url).secret
        issued = create_token(session, "admin")
        grant_global(session, issued.user_id, ["APPLICATION_ADMIN"])

    api = create_app()
    FastAPIInstrumentor.instrument_app(api)
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30), \
            TestClient(api) as client:
        response = client.post("/data/crawl/pg", headers={"Authorization": f"Bearer {issued.secret}"})
        assert response.status_code == 202, response.text
        receiver.wait_for(lambda: any(r.attribute("type") == "objectsync.job.finished" for r in receiver.received),
                          timeout=60)

    finished: list[ReadableSpan] = list(spans.get_finished_spans())
    request = next(s for s in finished if s.name.startswith("POST /data/crawl"))
    in_trace = [s for s in finished if s.context.trace_id == request.context.trace_id]
    names = [s.name for s in in_trace]
    for task in (CRAWL_CONNECTION, CRAWL_SCHEMA, RELAY_EVENTS, DELIVER_WEBHOOKS):
        assert f"run/{task}" in names, (task, sorted(set(names)))
    assert names.count(f"run/{CRAWL_SCHEMA}") >= 3  # sales, hr, public
    posts = [s for s in in_trace if s.attributes and s.attributes.get("http.request.method",
                                                                      s.attributes.get("http.method")) == "POST"
             and s.kind == trace.SpanKind.CLIENT]
    assert len(posts) == len(receiver.received), "each webhook delivery is a span of the request's trace"
    assert any(s.name.startswith(("SELECT", "INSERT", "UPDATE")) or "postgresql" in str(s.attributes)
               for s in in_trace), "the catalog's statements are in it too"
