"""Prometheus metrics read from the catalog and the broker at scrape time.

Every API process answers the same figures, because they come from PostgreSQL and Redis rather than from
in-process counters (workers are many, short-lived and forked). Label values are connection keys,
technologies and statuses: never a URL or a credential.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from prometheus_client.utils import floatToGoString

from catalog.metrics_store import (
    CRAWL_BUCKETS,
    DELIVERY_BUCKETS,
    READ_BUCKETS,
    RELAY_BUCKETS,
    CatalogFigures,
    Observed,
    read_catalog_figures,
)
from services.operations.health import check_broker

log = logging.getLogger(__name__)
PREFIX = "objectsync_"


def gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, documentation, labels=list(labels))


def catalog_metrics(figures: CatalogFigures) -> Iterator[Metric]:
    connections = gauge("connections", "Registered connections by technology and status.", ("technology", "status"))
    for technology, status, count in figures.connections:
        connections.add_metric([technology, status], count)
    yield connections

    last_sync = gauge("connection_last_sync_timestamp_seconds", "When a connection's last crawl finished.",
                      ("connection",))
    next_sync = gauge("connection_next_sync_timestamp_seconds", "When a connection's next scheduled crawl is due.",
                      ("connection",))
    for key, last_at, next_at in figures.sync_times:
        if last_at is not None:
            last_sync.add_metric([key], last_at)
        if next_at is not None:
            next_sync.add_metric([key], next_at)
    yield last_sync
    yield next_sync

    objects = gauge("data_objects", "Mirrored objects by kind and effective status.", ("kind", "status"))
    for kind, status, count in figures.objects:
        objects.add_metric([kind, status], count)
    yield objects

    jobs = gauge("jobs", "Jobs in the catalog by status.", ("status",))
    for status, count in figures.jobs:
        jobs.add_metric([status], count)
    yield jobs
    oldest_job = gauge("oldest_unfinished_job_age_seconds", "Age of the oldest queued or running job (0: none).")
    oldest_job.add_metric([], figures.oldest_unfinished_job_seconds)
    yield oldest_job

    yield from outbox_metrics(figures)
    yield from webhook_metrics(figures)

    open_requests = gauge("owner_requests_pending", "Owner validation requests waiting for an owner.")
    open_requests.add_metric([], figures.pending_owner_requests)
    yield open_requests
    yield from duration_metrics(figures)


def histogram(name: str, documentation: str, labels: tuple[str, ...], buckets: tuple[float, ...],
              observed: dict[tuple[str, ...], Observed]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(PREFIX + name, documentation, labels=list(labels))
    for label_values, (cumulative, count, total) in sorted(observed.items()):
        bounds = [(floatToGoString(b), c) for b, c in zip(buckets, cumulative, strict=True)]
        family.add_metric(list(label_values), [*bounds, ("+Inf", count)], total)
    return family


def duration_metrics(figures: CatalogFigures) -> Iterator[Metric]:
    yield histogram("crawl_duration_seconds", "Crawls from start to close, per technology.", ("technology",),
                    CRAWL_BUCKETS, figures.crawl_durations)
    yield histogram("schema_read_duration_seconds", "Remote reads of one schema (or name-range batch of a large "
                    "schema) by a crawl's subtask, per technology; waiting for a read slot not counted.",
                    ("technology",), READ_BUCKETS, figures.schema_read_durations)
    yield histogram("webhook_delivery_duration_seconds", "Webhook delivery attempts: how long the receiver "
                    "took to answer, per outcome (delivered, failed).", ("outcome",), DELIVERY_BUCKETS,
                    figures.delivery_latencies)
    yield histogram("relay_lag_seconds", "From a change event's commit to its webhook delivery's creation.", (),
                    RELAY_BUCKETS, figures.relay_lags)
    status = gauge("connection_last_crawl_status", "1 for the status of the connection's last crawl.",
                   ("connection", "status"))
    duration = gauge("connection_last_crawl_duration_seconds", "How long the connection's last finished crawl took.",
                     ("connection",))
    for key, last_status, seconds in figures.last_crawls:
        status.add_metric([key, last_status], 1)
        if seconds is not None:
            duration.add_metric([key], seconds)
    yield status
    yield duration


def outbox_metrics(figures: CatalogFigures) -> Iterator[Metric]:
    head = gauge("outbox_last_event_id", "Id of the newest change event in the outbox.")
    head.add_metric([], figures.last_event_id)
    yield head
    lag = gauge("outbox_consumer_lag_events", "Change events a consumer has not relayed yet.", ("consumer",))
    for name, position in figures.consumer_positions:
        lag.add_metric([name], max(0, figures.last_event_id - position))
    yield lag


def webhook_metrics(figures: CatalogFigures) -> Iterator[Metric]:
    enabled = gauge("webhook_endpoint_enabled", "1 if a webhook endpoint is enabled, 0 if disabled.",
                    ("subscription",))
    failures = gauge("webhook_endpoint_consecutive_failures", "Failed attempts since the endpoint's last success.",
                     ("subscription",))
    for sid, is_enabled, count in figures.endpoints:
        enabled.add_metric([str(sid)], 1 if is_enabled else 0)
        failures.add_metric([str(sid)], count)
    yield enabled
    yield failures
    deliveries = gauge("webhook_deliveries", "Webhook deliveries waiting (pending) or given up (dead), per endpoint.",
                       ("subscription", "status"))
    for sid, status, count in figures.deliveries:
        deliveries.add_metric([str(sid), status], count)
    yield deliveries


@dataclass(frozen=True, slots=True)
class BrokerDepths:
    """Task messages per queue and those taken by a worker but not acknowledged, as the broker reports them."""

    queued: dict[str, int]
    unacked: int


def broker_metrics(depths: BrokerDepths) -> Iterator[Metric]:
    queued = gauge("broker_queue_messages", "Task messages waiting in a broker queue.", ("queue",))
    for queue, count in depths.queued.items():
        queued.add_metric([queue], count)
    yield queued
    unacked = gauge("broker_unacked_messages", "Task messages taken by a worker and not yet acknowledged.")
    unacked.add_metric([], depths.unacked)
    yield unacked


def read_catalog() -> list[Metric]:
    return list(catalog_metrics(read_catalog_figures()))


def read_broker(read_depths: Callable[[], BrokerDepths]) -> list[Metric]:
    if not check_broker().ok:  # fails fast, where kombu would keep retrying
        raise ConnectionError("the broker does not answer")
    return list(broker_metrics(read_depths()))


def with_up_gauge(dependency: str, read: Callable[[], list[Metric]]) -> Iterator[Metric]:
    """`<dependency>_up` 1 and the metrics read, or `<dependency>_up` 0 alone when the read failed."""
    up = gauge(f"{dependency}_up", f"1 if the {dependency} answered this scrape.")
    try:
        collected = read()
    except Exception as exc:  # noqa: BLE001 - reported as <dependency>_up 0
        log.warning("metrics: the %s did not answer (%s)", dependency, type(exc).__name__)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    yield from collected


class CatalogCollector(Collector):
    """Collects on every scrape; a dependency that is down shows as `..._up 0`, never as a failed scrape."""

    def __init__(self, read_broker_depths: Callable[[], BrokerDepths]):
        self.read_broker_depths = read_broker_depths

    def collect(self) -> Iterator[Metric]:
        yield from with_up_gauge("catalog", read_catalog)
        yield from with_up_gauge("broker", lambda: read_broker(self.read_broker_depths))


def registry(read_broker_depths: Callable[[], BrokerDepths]) -> CollectorRegistry:
    """The scrape-time registry; `read_broker_depths` is the broker adapter's reading of its queues."""
    collected = CollectorRegistry(auto_describe=False)
    collected.register(CatalogCollector(read_broker_depths))
    return collected
