"""OpenTelemetry tracing, off unless the standard `OTEL_*` variables configure an exporter.

When on, one trace follows a request through every process: the API request (FastAPI), the task messages it
sends (the trace context travels in the Celery task headers), the crawl task, its schema subtasks, the relay
and each webhook delivery (httpx), with the catalog's SQL statements (SQLAlchemy) inside them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.instrumentation.celery import CeleryInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

#: Any of these set (to something other than "none") turns tracing on.
ENABLING = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER")


def tracing_configured(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return False
    return any(env.get(name, "").strip() for name in ENABLING)


def _exporter() -> SpanExporter:
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers and timeout from OTEL_EXPORTER_OTLP_*


def install_tracer_provider(service_name: str, processor: SpanProcessor | None = None) -> TracerProvider:
    """The process's tracer provider; `OTEL_SERVICE_NAME` overrides `service_name`."""
    name = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(processor or BatchSpanProcessor(_exporter()))
    trace.set_tracer_provider(provider)
    return provider


def instrument_libraries() -> None:
    """Celery (task headers carry the context), httpx (webhook deliveries) and the catalog's SQLAlchemy engine."""
    from catalog.session import get_engine

    if not CeleryInstrumentor().is_instrumented_by_opentelemetry:
        CeleryInstrumentor().instrument()
    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument()
    if not SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        # Its declared range stops below SQLAlchemy 2.1; the engine events it listens to are unchanged there.
        SQLAlchemyInstrumentor().instrument(engine=get_engine(), skip_dep_check=True)


def start_tracing(service_name: str) -> bool:
    """Trace this process if `OTEL_*` says so; returns whether it does."""
    if not tracing_configured():
        return False
    install_tracer_provider(service_name)
    instrument_libraries()
    return True
