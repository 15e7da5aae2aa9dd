"""Runnable examples for consumers of objectsync's events."""
