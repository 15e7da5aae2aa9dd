"""`objectsync events`: read the change-event outbox in id order, optionally tailing it;
`objectsync events schema [TYPE]`: print the published event contract as JSON Schema."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from datetime import datetime

from catalog.session import session_factory
from cli.errors import UsageError
from cli.output import describe_change
from domain.change_types import ChangeType, outbox_type_name
from domain.paths import parse_path
from models import ChangeEvent
from services.delivery.contract import contract_schema, event_schema
from services.delivery.envelope import serialize, to_cloudevent
from services.delivery.event_feed import event_id_at, read_change_events

BATCH_SIZE = 500


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("events", help="print change events in order")
    parser.add_argument("--since", default="0", metavar="ID|TIME",
                        help="only events with an id above ID, or from TIME on (ISO 8601, e.g. 2026-11-29T09:00Z; "
                             "without an offset, local time)")
    parser.add_argument("--path", metavar="PREFIX", help="only events at or below this object path")
    parser.add_argument("--type", action="append", dest="types", metavar="TYPE",
                        help="only events of this type (repeatable)")
    parser.add_argument("--json", action="store_true", help="one CloudEvent per line, as webhooks carry it")
    parser.add_argument("--follow", "-f", action="store_true", help="keep polling for new events (Ctrl-C stops)")
    parser.add_argument("--interval", type=float, default=1.0, metavar="SECONDS", help="poll interval for --follow")
    parser.set_defaults(handler=print_events)

    commands = parser.add_subparsers(dest="events_command", metavar="ACTION",
                                     help="optional; without one, the events are listed")
    schema = commands.add_parser("schema", help="print the JSON Schema of change events (CloudEvents 1.0)")
    schema.add_argument("type", nargs="?", metavar="TYPE",
                        help="one event type, e.g. column.added (default: every type, told apart by `type`)")
    schema.set_defaults(handler=print_schema)


def read_events(after_id: int, path_prefix: Sequence[str] | None = None, types: Sequence[str] | None = None,
                limit: int = BATCH_SIZE) -> list[ChangeEvent]:
    with session_factory()() as session:
        return read_change_events(session, after_id=after_id, path_prefix=path_prefix, types=types, limit=limit)


def event_line(event: ChangeEvent) -> str:
    return f"#{event.id:<6} {event.occurred_at:%Y-%m-%d %H:%M:%S} " + describe_change(
        event.type, event.object_path, event.payload)


def event_types(given: Sequence[str] | None) -> list[str] | None:
    """The types asked for, in either spelling (`column.added`, `objectsync.column.added`); an unknown one is an
    error rather than a filter that silently matches nothing."""
    if not given:
        return None
    known = {t.value for t in ChangeType}
    types = [outbox_type_name(t) for t in given]
    unknown = sorted(set(types) - known)
    if unknown:
        raise UsageError(f"--type {unknown[0]!r} is not an event type (one of: {', '.join(sorted(known))})")
    return types


def start_after(since: str) -> int:
    """The event id to read after: `since` itself when it is an id, else the id before the first event that
    occurred at or after the time it spells."""
    if since.isdigit():
        return int(since)
    try:
        when = datetime.fromisoformat(since.replace("z", "Z"))
    except ValueError:
        raise UsageError(f"--since {since!r} is neither an event id nor an ISO 8601 time "
                         "(e.g. 2026-11-29T09:00:00Z)") from None
    with session_factory()() as session:
        return event_id_at(session, when if when.tzinfo else when.astimezone())


def print_events(args: argparse.Namespace) -> int:
    prefix = parse_path(args.path) if args.path else None
    types = event_types(args.types)
    last_id = start_after(args.since)
    while True:
        batch = read_events(last_id, prefix, types)
        for event in batch:
            print(serialize(to_cloudevent(event)) if args.json else event_line(event), flush=True)
        if batch:
            last_id = batch[-1].id
        if len(batch) == BATCH_SIZE:
            continue
        if not args.follow:
            return 0
        time.sleep(args.interval)


def print_schema(args: argparse.Namespace) -> int:
    schema = event_schema(args.type) if args.type else contract_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
