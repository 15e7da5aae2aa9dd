"""The pure domain: remote snapshots, stored state, statuses, object paths, change types, filters and the diffs. No database, no Celery, no I/O."""
