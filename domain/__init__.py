"""The pure domain: remote snapshots, stored state, statuses, object paths, change types, filters, the diffs
and the error kinds. No database, no Celery, no I/O."""
