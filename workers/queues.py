"""Queue names and which task goes where: crawls, per-schema subtasks and event publishing scale apart.

A worker serves its queues in the order listed here (Redis `queue_order_strategy` "priority"): crawls asked for
by hand first, then event publishing, then planning, then schema subtasks.
"""

from kombu import Queue

from services.enqueue import MANUAL_QUEUE

CONTROL = "objectsync.control"
SCHEMAS = "objectsync.schemas"
EVENTS = "objectsync.events"

MANUAL = MANUAL_QUEUE

QUEUES = (Queue(MANUAL), Queue(EVENTS), Queue(CONTROL), Queue(SCHEMAS))

ROUTES = {
    "objectsync.dispatch_due_syncs": {"queue": CONTROL},
    "objectsync.crawl_connection": {"queue": CONTROL},
    "objectsync.crawl_schema": {"queue": SCHEMAS},
    "objectsync.events.*": {"queue": EVENTS},
    "objectsync.settings.*": {"queue": CONTROL},
}
