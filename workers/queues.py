"""Queue names and which task goes where: crawls, per-schema subtasks and event publishing scale apart."""

from kombu import Queue

CONTROL = "objectsync.control"
SCHEMAS = "objectsync.schemas"
EVENTS = "objectsync.events"

QUEUES = (Queue(CONTROL), Queue(SCHEMAS), Queue(EVENTS))

ROUTES = {
    "objectsync.dispatch_due_syncs": {"queue": CONTROL},
    "objectsync.crawl_connection": {"queue": CONTROL},
    "objectsync.crawl_schema": {"queue": SCHEMAS},
    "objectsync.events.*": {"queue": EVENTS},
    "objectsync.settings.*": {"queue": CONTROL},
}
