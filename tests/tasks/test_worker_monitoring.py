"""What monitors see of a real worker: task events (Flower, celery-exporter, `celery events`) and the answers
to `celery inspect`."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest

from services.enqueue import DELIVER_WEBHOOKS, send_now
from workers.celery_app import app
from workers.process import ROOT, WorkerProcess

pytestmark = pytest.mark.usefixtures("catalog")


def celery(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "celery", "-A", "workers.celery_app", *args], cwd=ROOT,
                          env=dict(os.environ), capture_output=True, text=True, timeout=120)


def test_celery_inspect_answers(worker: WorkerProcess) -> None:
    ping = celery("inspect", "ping", "--timeout", "10")
    assert ping.returncode == 0 and "pong" in ping.stdout, ping.stdout + ping.stderr
    registered = celery("inspect", "registered", "--timeout", "10")
    assert registered.returncode == 0, registered.stderr
    assert "objectsync.crawl_schema" in registered.stdout and "objectsync.events.relay" in registered.stdout
    queues = celery("inspect", "active_queues", "--timeout", "10")
    assert queues.returncode == 0 and "objectsync.schemas" in queues.stdout, queues.stderr


def test_task_events_are_sent(worker: WorkerProcess) -> None:
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def record(event: dict[str, Any]) -> None:
        seen.append(event)
        if event["type"] == "task-succeeded" and any(
                e["type"] == "task-sent" and e.get("uuid") == event.get("uuid") for e in seen):
            done.set()

    with app.connection_for_read() as connection:
        receiver = app.events.Receiver(connection, handlers={"*": record})
        listening = threading.Thread(target=receiver.capture, kwargs={"limit": None, "timeout": 60},
                                     daemon=True)
        listening.start()
        try:
            for _ in range(50):  # the receiver subscribes asynchronously: send until a full cycle is seen
                send_now(DELIVER_WEBHOOKS)
                if done.wait(1):
                    break
        finally:
            receiver.should_stop = True
            listening.join(10)
    types = {e["type"] for e in seen if e.get("uuid")}
    assert {"task-sent", "task-received", "task-started", "task-succeeded"} <= types, types
    sent = next(e for e in seen if e["type"] == "task-sent")
    assert sent["name"] == DELIVER_WEBHOOKS
