"""Celery beat: one tick a minute; the dispatcher decides which connections are due (per-connection cron)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "dispatch-due-syncs": {
        "task": "objectsync.dispatch_due_syncs",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "revalidate-connections": {"task": "objectsync.revalidate_connections", "schedule": crontab(minute="17")},
    "relay-change-events": {"task": "objectsync.events.relay", "schedule": 5.0, "options": {"expires": 5}},
    "deliver-webhooks": {"task": "objectsync.events.deliver", "schedule": 10.0, "options": {"expires": 10}},
    # Daily at 03:30 UTC, a quiet hour; a run missed by more than an hour waits for the next day.
    "prune-history": {
        "task": "objectsync.prune_history",
        "schedule": crontab(hour="3", minute="30"),
        "options": {"expires": 3600},
    },
}
