"""Readiness of a process's dependencies: the catalog (reachable, migrated to head) and the broker.

Details name the failure's kind only: no URL, host or credential ever appears in a health answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import kombu
import redis

from catalog.migrate import current_revision, head_revision
from settings import get_settings

BROKER_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    milliseconds: int


def check_catalog() -> Check:
    started = time.monotonic()
    try:
        revision = current_revision()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return Check("catalog", False, f"unreachable ({type(exc).__name__})", _since(started))
    head = head_revision()
    if revision != head:
        return Check("catalog", False, f"schema at revision {revision}, code expects {head}: run "
                     "`objectsync migrate`", _since(started))
    return Check("catalog", True, f"revision {revision}", _since(started))


def check_broker() -> Check:
    started = time.monotonic()
    url = get_settings().task_broker_url
    if not url:
        return Check("broker", False, "REDIS_URL is not set", _since(started))
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return _check_amqp(url, started)
    client = redis.Redis.from_url(url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                                  socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return Check("broker", False, f"unreachable ({type(exc).__name__})", _since(started))
    finally:
        client.close()
    return Check("broker", True, "answers", _since(started))


def _check_amqp(url: str, started: float) -> Check:
    try:
        with kombu.Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return Check("broker", False, f"unreachable ({type(exc).__name__})", _since(started))
    return Check("broker", True, "answers", _since(started))


def readiness() -> list[Check]:
    return [check_catalog(), check_broker()]


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
