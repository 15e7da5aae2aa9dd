"""Thin Celery tasks: they translate messages into calls of the sync services, and decide retries."""
