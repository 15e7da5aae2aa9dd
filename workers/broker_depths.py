"""How many task messages wait in each queue, read through the Celery app's own broker connection."""

from __future__ import annotations

from services.operations.metrics import BrokerDepths
from workers.celery_app import app
from workers.queues import QUEUES


def read_broker_depths() -> BrokerDepths:
    with app.connection_for_read() as broker:
        channel = broker.default_channel
        queued = {queue.name: channel.queue_declare(queue=queue.name).message_count for queue in QUEUES}
        # Redis keeps unacknowledged tasks in a hash; AMQP counts them per consumer, not per queue: 0 here.
        unacked = channel.client.hlen(channel.unacked_key) if hasattr(channel, "unacked_key") else 0
        return BrokerDepths(queued=queued, unacked=unacked)
