"""`objectsync connection add|test|list|show|edit|remove`: the connection use cases, as the API runs them."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from rich.table import Table

from catalog.session import session_factory, session_scope
from cli.connection_fields import add_field_arguments, add_filter_arguments, connection_fields, connection_filters
from cli.errors import EXIT_INVALID, UsageError
from cli.output import console
from cli.progress import report_job, wait_for_job
from connectors import technologies
from services.connections import connection_admin, object_deletion
from services.connections.connection_admin import ConnectionChanges, ConnectionDetails, NewConnection
from services.connections.validation import describe_failures, validation_object

OPERATOR = "cli"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("connection", help="register, test, show, edit, list and remove connections")
    commands = parser.add_subparsers(dest="connection_command", metavar="ACTION", required=True)

    add = commands.add_parser(
        "add", help="validate and register a connection, then start its first crawl",
        description="Runs the validation tests first: a connection that fails them is kept with status createError "
                    "(fix it with `connection edit`, or remove it) and the command exits 2.")
    add.add_argument("key", help="the connectionKey: first segment of every object path")
    add.add_argument("--technology", required=True, help=f"one of: {', '.join(technologies())}")
    add_field_arguments(add)
    add.add_argument("--disabled", action="store_true", help="register the connection switched off (isActive false)")
    add.add_argument("--activate-new-children", action="store_true",
                     help="objects found later are enabled (data sources) instead of disabled")
    add.add_argument("--force-recursive-crawl", action="store_true", help="scheduled crawls also scan disabled objects")
    add_filter_arguments(add)
    add.add_argument("--cron", help="sync schedule, 5-field cron in UTC (default: daily 01:00)")
    add.add_argument("--no-crawl", action="store_true", help="register only; the schedule starts the first crawl")
    add.add_argument("--wait", action="store_true", help="wait for the first crawl and show its outcome")
    add.set_defaults(handler=add_connection)

    test = commands.add_parser("test", help="run the validation tests on connection settings; nothing is stored")
    test.add_argument("--technology", required=True, help=f"one of: {', '.join(technologies())}")
    add_field_arguments(test)
    test.add_argument("--json", action="store_true", help="the results as one JSON object")
    test.set_defaults(handler=test_connection)

    listing = commands.add_parser("list", help="list registered connections")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=list_connections)

    show = commands.add_parser("show", help="a connection's settings, status and validation results (never secrets)")
    show.add_argument("key")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_connection)

    edit = commands.add_parser(
        "edit", help="change a connection's settings, secrets, options or schedule",
        description="New settings or secrets are validated first: if they fail, the previous configuration is "
                    "kept (status editError) and the command exits 2. Fields not given keep their value.")
    edit.add_argument("key")
    add_field_arguments(edit)
    edit.add_argument("--force-recursive-crawl", action=argparse.BooleanOptionalAction, default=None,
                      help="scheduled crawls also scan disabled objects (or no longer)")
    add_filter_arguments(edit)
    edit.add_argument("--clear-filters", action="store_true", help="remove every include/exclude filter")
    edit.add_argument("--cron", help="sync schedule, 5-field cron in UTC")
    edit.add_argument("--json", action="store_true", help="the connection afterwards as one JSON object")
    edit.set_defaults(handler=edit_connection)

    remove = commands.add_parser("remove", help="deregister a connection (nothing on the platform is touched)")
    remove.add_argument("key")
    remove.set_defaults(handler=remove_connection)


def add_connection(args: argparse.Namespace) -> int:
    new = NewConnection(
        key=args.key, technology=args.technology, fields=connection_fields(args), is_active=not args.disabled,
        activate_new_children=args.activate_new_children, force_recursive_crawl=args.force_recursive_crawl,
        filters=connection_filters(args), cron=args.cron,
    )
    with session_scope() as session:
        registration = connection_admin.register_connection(session, new, requested_by=OPERATOR,
                                                            first_crawl=not args.no_crawl)
    details = registration.details
    print(f"registered connection {details.key!r} ({details.technology}), status {details.status}, scheduled "
          f"{details.cron!r} UTC; validation passed ({', '.join(r['name'] for r in details.validation_results)})")
    if registration.first_crawl is None:
        return 0
    print(f"first crawl requested: bulkId {registration.first_crawl}")
    if not args.wait:
        return 0
    return report_job(wait_for_job(registration.first_crawl))


def test_connection(args: argparse.Namespace) -> int:
    report = connection_admin.run_connection_test(args.technology, connection_fields(args))
    if args.json:
        print(json.dumps({"passed": report.passed, "validationResults": validation_object(report.results)},
                         ensure_ascii=False))
    else:
        print_validation_results(report.results)
    if report.passed:
        return 0
    print(f"objectsync: error: validation failed ({describe_failures(report.results)})", file=sys.stderr)
    return EXIT_INVALID


def list_connections(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        summaries, _ = connection_admin.list_connections(session)
    rows = [
        {"key": s.key, "technology": s.technology, "status": s.status, "cron": s.cron, "dataSources": s.data_sources,
         "lastSyncAt": _iso(s.last_sync_at), "nextSyncAt": _iso(s.next_sync_at)}
        for s in summaries
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not rows:
        print("no connections registered")
        return 0
    table = Table("key", "technology", "status", "cron (UTC)", "data sources", "last sync", "next sync")
    for s in summaries:
        table.add_row(s.key, s.technology, s.status, s.cron, str(s.data_sources), _iso(s.last_sync_at) or "-",
                      _iso(s.next_sync_at) or "-")
    console().print(table)
    return 0


def show_connection(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        details = connection_admin.show_connection(session, args.key)
    print_details(details, as_json=args.json)
    return 0


def edit_connection(args: argparse.Namespace) -> int:
    fields = connection_fields(args)
    filters = connection_filters(args)
    if args.clear_filters and filters:
        raise UsageError("--clear-filters cannot be combined with --include-… or --exclude-… flags")
    changes = ConnectionChanges(
        fields=fields or None, force_recursive_crawl=args.force_recursive_crawl,
        filters={} if args.clear_filters else filters or None, cron=args.cron,
    )
    with session_scope() as session:
        details = connection_admin.edit_connection(session, args.key, changes)
    if args.json:
        print_details(details, as_json=True)
    else:
        validated = " (validated)" if fields else ""
        print(f"edited connection {details.key!r}{validated}: status {details.status}")
    return 0


def remove_connection(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        removed = object_deletion.deregister_connection(session, args.key, requested_by=OPERATOR)
    print(f"removed connection {args.key!r} and its {removed} objects from the catalog "
          "(nothing on the platform was touched)")
    return 0


def details_record(details: ConnectionDetails) -> dict[str, Any]:
    """The connection as `show --json` prints it: the keys of the API's view."""
    return {
        "connectionKey": details.key, "objectPath": [details.key], "technology": details.technology,
        "connection": {"technology": details.technology, **details.config}, "credentialsSet": details.credentials_set,
        "status": details.status, "validationResults": validation_object(details.validation_results),
        "options": details.options,
        "cron": details.cron, "nextSyncAt": _iso(details.next_sync_at), "lastSyncAt": _iso(details.last_sync_at),
        "createdAt": _iso(details.created_at), "updatedAt": _iso(details.updated_at),
    }


def print_details(details: ConnectionDetails, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(details_record(details), ensure_ascii=False))
        return
    print(f"connection {details.key!r} ({details.technology}): {details.status}")
    for name, value in sorted(details.config.items()):
        print(f"  {name}: {value}")
    print(f"  credentials set: {', '.join(details.credentials_set) or 'none'}")
    print(f"  options: {json.dumps(details.options, ensure_ascii=False)}")
    print(f"  schedule: {details.cron} UTC, next {_iso(details.next_sync_at) or '-'}, "
          f"last {_iso(details.last_sync_at) or '-'}")
    print_validation_results(details.validation_results)


def print_validation_results(results: list[dict[str, Any]]) -> None:
    for result in results:
        message = " ".join(str(result.get("message") or "").split())
        print(f"  {result.get('status', '?'):<8} {result.get('name')}{': ' + message if message else ''}")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
