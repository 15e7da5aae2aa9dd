"""Celery configuration, built from the settings object when Celery first needs it."""

from __future__ import annotations

from typing import Any

from settings import get_settings
from workers.queues import CONTROL, QUEUES, ROUTES


def celery_config() -> dict[str, Any]:
    settings = get_settings()
    broker = settings.task_broker_url
    if not broker:
        raise RuntimeError("REDIS_URL is not set (use `objectsync demo` for an embedded Redis)")
    transport: dict[str, Any] = {}
    if broker.startswith(("redis://", "rediss://", "unix://")):
        transport["visibility_timeout"] = settings.redis_visibility_timeout
        transport["queue_order_strategy"] = "priority"  # QUEUES' order: manual crawls first
        if settings.redis_key_prefix:
            transport["global_keyprefix"] = settings.redis_key_prefix
    else:  # AMQP: a publish returns once the broker has the message
        transport["confirm_publish"] = True
    return {
        "broker_url": broker,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit_seconds,
        "task_time_limit": max(settings.task_time_limit_seconds, settings.task_soft_time_limit_seconds + 1),
        "task_queues": QUEUES,
        "task_default_queue": CONTROL,
        "task_routes": ROUTES,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        # Task events for monitors (Flower, celery-exporter, `celery events`): sent, received, started, done.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        # Beat saves its schedule after every tick it sends, so the schedule file's age tells it is alive.
        "beat_sync_every": 1,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "beat_schedule": __import__("beat_schedule").BEAT_SCHEDULE,
    }
