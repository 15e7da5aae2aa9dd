"""`objectsync connection add|list|remove`: register, inspect and deregister connections."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from catalog.session import session_factory, session_scope
from cli.errors import CliError
from cli.progress import report_job, wait_for_job
from connectors import technologies
from models import Connection, DataObject
from services.connections import object_deletion
from services.connections.registry import register_connection
from services.crawl.jobs import start_crawl

FILTER_LEVELS = {"database": "databases", "schema": "schemas", "table": "tables and views"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("connection", help="register, list and remove connections")
    commands = parser.add_subparsers(dest="connection_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="register a connection and start its first crawl")
    add.add_argument("key", help="the connectionKey: first segment of every object path")
    add.add_argument("--technology", required=True, help=f"one of: {', '.join(technologies())}")
    add.add_argument("--hostname")
    add.add_argument("--port", type=int)
    add.add_argument("--database")
    add.add_argument("--username")
    add.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                     help="another non-secret setting of the technology (repeatable)")
    password = add.add_mutually_exclusive_group()
    password.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--activate-new-children", action="store_true",
                     help="objects found later are enabled (data sources) instead of disabled")
    add.add_argument("--force-recursive-crawl", action="store_true", help="scheduled crawls also scan disabled objects")
    for level, objects in FILTER_LEVELS.items():
        for kind in ("include", "exclude"):
            add.add_argument(
                f"--{kind}-{level}", action="append", default=[], metavar="PATTERN",
                help=f"{'only' if kind == 'include' else 'never'} crawl {objects} whose name fully "
                     f"matches this regular expression (repeatable{', any one matches' if kind == 'include' else ''})")
    add.add_argument("--cron", help="sync schedule, 5-field cron in UTC (default: daily 01:00)")
    add.add_argument("--no-crawl", action="store_true", help="register only; the schedule starts the first crawl")
    add.add_argument("--wait", action="store_true", help="wait for the first crawl and show its outcome")
    add.set_defaults(handler=add_connection)

    listing = commands.add_parser("list", help="list registered connections")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=list_connections)

    remove = commands.add_parser("remove", help="deregister a connection (nothing on the platform is touched)")
    remove.add_argument("key")
    remove.set_defaults(handler=remove_connection)


def connection_config(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {
        name: value for name in ("hostname", "port", "database")
        if (value := getattr(args, name)) is not None
    }
    for option in args.option:
        name, sep, value = option.partition("=")
        if not sep or not name:
            raise CliError(f"--option expects NAME=VALUE, got {option!r}")
        config[name] = value
    return config


def connection_filters(args: argparse.Namespace) -> dict[str, dict[str, list[str]]]:
    """options.filters from --include-/--exclude-database|schema|table (checked by register_connection)."""
    filters: dict[str, dict[str, list[str]]] = {}
    for level in FILTER_LEVELS:
        include, exclude = getattr(args, f"include_{level}"), getattr(args, f"exclude_{level}")
        if include or exclude:
            filters[f"{level}s"] = {"include": include, "exclude": exclude}
    return filters


def connection_credentials(args: argparse.Namespace) -> dict[str, Any]:
    """Secrets, encrypted at rest: the username travels with the password, as connectors expect."""
    credentials: dict[str, Any] = {}
    if args.username is not None:
        credentials["username"] = args.username
    password = read_password(args)
    if password is not None:
        credentials["password"] = password
    return credentials


def read_password(args: argparse.Namespace) -> str | None:
    """Passwords come from the environment or stdin, never from argv (visible in `ps`)."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise CliError(f"environment variable {args.password_env} is not set")
        return value
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return None


def add_connection(args: argparse.Namespace) -> int:
    credentials = connection_credentials(args)
    with session_scope() as session:
        connection = register_connection(
            session, key=args.key, technology=args.technology, config=connection_config(args),
            credentials=credentials, activate_new_children=args.activate_new_children,
            force_recursive_crawl=args.force_recursive_crawl, filters=connection_filters(args), cron=args.cron,
        )
        cron = connection.cron
    print(f"registered connection {args.key!r} ({args.technology}), scheduled {cron!r} UTC")
    if args.no_crawl:
        return 0
    bulk_id = start_crawl(session_factory(), [args.key])
    print(f"first crawl requested: bulkId {bulk_id}")
    if not args.wait:
        return 0
    return report_job(wait_for_job(bulk_id))


def list_connections(args: argparse.Namespace) -> int:
    with session_scope() as session:
        counts = dict(session.execute(
            select(DataObject.connection_id, func.count())
            .where(DataObject.kind.in_(("table", "view")), DataObject.effective_status == "enabled",
                   DataObject.remote_state == "present")
            .group_by(DataObject.connection_id)
        ).tuples().all())
        rows = [
            {"key": c.key, "technology": c.technology, "status": c.status, "cron": c.cron,
             "dataSources": counts.get(c.id, 0),
             "lastSyncAt": c.last_sync_at.isoformat() if c.last_sync_at else None,
             "nextSyncAt": c.next_sync_at.isoformat() if c.next_sync_at else None}
            for c in session.scalars(select(Connection).order_by(Connection.key))
        ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not rows:
        print("no connections registered")
        return 0
    table = Table("key", "technology", "status", "cron (UTC)", "data sources", "last sync", "next sync")
    for row in rows:
        table.add_row(row["key"], row["technology"], row["status"], row["cron"], str(row["dataSources"]),
                      row["lastSyncAt"] or "-", row["nextSyncAt"] or "-")
    Console().print(table)
    return 0


def remove_connection(args: argparse.Namespace) -> int:
    with session_scope() as session:
        removed = object_deletion.remove_connection(session, args.key, requested_by="cli")
    print(f"removed connection {args.key!r} and its {removed} objects from the catalog "
          "(nothing on the platform was touched)")
    return 0
