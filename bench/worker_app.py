"""The benchmark's worker app: objectsync's Celery app with the benchmark-only slow connector registered."""

from connectors.registry import register
from workers.celery_app import app

register("bench-slow-postgresql", "bench.slow_connector:SlowPostgresConnector")

__all__ = ["app"]
