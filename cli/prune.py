"""`objectsync prune [--dry-run]`: apply the history retention now (the same prune beat runs nightly)."""

from __future__ import annotations

import argparse

from services.operations.retention import prune_history


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prune", help="delete change events and finished jobs older than their retention",
        description="Delete change events (with their settled webhook deliveries) older than "
                    "OBJECTSYNC_EVENT_RETENTION_DAYS once every consumer has relayed them, and jobs finished "
                    "more than OBJECTSYNC_JOB_RETENTION_DAYS ago. 0 days keeps that history forever.",
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be deleted, delete nothing")
    parser.set_defaults(handler=prune)


def prune(args: argparse.Namespace) -> int:
    for line in prune_history(dry_run=args.dry_run).lines():
        print(line)
    return 0
