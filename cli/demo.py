"""`objectsync demo`: the whole loop on one machine — register a sample source, sync, change it, sync again.

With DATABASE_URL / REDIS_URL unset it runs on embedded PostgreSQL and Redis in the objectsync home; either
way it starts a real Celery worker, and every sync goes through it exactly as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from catalog.session import dispose_engines, session_factory, session_scope
from cli.demo_source import ALTERATIONS, SOURCE_DATABASE, alter_source, recreate_source
from cli.embedded import (
    Servers,
    WorkerProcess,
    database_name,
    database_on,
    secret_key,
    servers,
)
from cli.events import read_events
from cli.output import console, describe_change
from cli.progress import report_job, wait_for_job
from domain.change_types import JOB_FINISHED
from domain.errors import ConnectionNotFound
from services.connections.connection_admin import NewConnection, register_connection
from services.connections.object_deletion import deregister_connection
from services.crawl.jobs import find_job, start_crawl
from services.delivery.event_feed import newest_event_id
from settings import get_settings

DEMO_CONNECTION = "demo"
JOB_TIMEOUT_SECONDS = 120.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="sync a sample database end to end (embedded servers unless DATABASE_URL/REDIS_URL are set)")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    started = time.monotonic()
    out = console()
    settings = get_settings()
    home = settings.home
    out.print(f"[bold]objectsync demo[/] (home {home})")
    with servers(home, settings.database_url, settings.redis_url) as found:
        configure_environment(found, home)
        from catalog.migrate import upgrade

        upgrade(found.database_url)
        worker = WorkerProcess(os.environ, home / "demo-worker.log", concurrency=args.worker_concurrency)
        worker.start()
        try:
            source_url = database_on(found.admin_url, SOURCE_DATABASE)
            recreate_source(found.admin_url, source_url)
            reset_demo_connection()
            register_demo_connection(source_url)
            worker.wait_ready()
            out.print(f"\n[bold]1. First sync[/] of {SOURCE_DATABASE} (connection {DEMO_CONNECTION!r}, "
                      "new objects activated)")
            first = sync_and_show()
            alter_source(source_url)
            out.print("\n[bold]2. The source changes:[/]")
            for alteration in ALTERATIONS:
                out.print(f"  - {alteration}", markup=False)
            out.print("\n[bold]3. Second sync[/]")
            second = sync_and_show()
        finally:
            worker.stop()
    out.print(f"\ndemo finished in {time.monotonic() - started:.1f}s; the embedded servers are stopped, their data "
              f"stays in {home}. For real servers set DATABASE_URL and REDIS_URL, run `objectsync migrate`, "
              "`objectsync worker`, `objectsync beat` and `objectsync connection add` (see README.md).")
    return max(first, second)


def configure_environment(found: Servers, home: Any) -> None:
    """The demo and the worker it starts share these settings through the environment."""
    settings = get_settings()
    internal = list(dict.fromkeys([*settings.internal_databases, database_name(found.database_url)]))
    os.environ.update({
        "DATABASE_URL": found.database_url,
        "REDIS_URL": found.redis_url,
        "OBJECTSYNC_SECRET_KEY": settings.secret_key or secret_key(home),
        "OBJECTSYNC_INTERNAL_DATABASES": json.dumps(internal),
    })
    get_settings.cache_clear()
    dispose_engines()


def reset_demo_connection() -> None:
    """Re-running the demo starts over with a fresh registration; earlier events stay as history."""
    with session_scope() as session:
        try:
            deregister_connection(session, DEMO_CONNECTION, requested_by="demo")
        except ConnectionNotFound:
            pass


def register_demo_connection(source_url: str) -> None:
    params = conninfo_to_dict(source_url)
    config = {"hostname": params.get("host") or "localhost", "port": int(params.get("port") or 5432),
              "database": SOURCE_DATABASE}
    credentials = {"username": params.get("user") or "postgres", "password": params.get("password") or ""}
    with session_scope() as session:  # validated like any registration; the demo starts its crawls itself
        register_connection(session, NewConnection(key=DEMO_CONNECTION, technology="postgresql",
                                                   fields={**config, **credentials}, activate_new_children=True),
                            requested_by="demo", first_crawl=False)


def sync_and_show() -> int:
    """Crawl the demo database through the worker, wait for the job, print its new change events."""
    with session_factory()() as session:
        last_event_id = newest_event_id(session)
    bulk_id = start_crawl(session_factory(), [DEMO_CONNECTION], requested_by="demo")
    report = wait_for_job(bulk_id, timeout=JOB_TIMEOUT_SECONDS)
    exit_code = report_job(report)
    with session_factory()() as session:
        job_id = find_job(session, bulk_id).id
    show_events(last_event_id, job_id)
    return exit_code


def show_events(after_id: int, job_id: int) -> None:
    """The change events this sync's job wrote (owner requests the relay adds later are not among them)."""
    out = console()
    events = [e for e in read_events(after_id, [DEMO_CONNECTION], limit=10_000)
              if e.job_id == job_id and e.type != JOB_FINISHED]
    out.print(f"change events ({len(events)}):")
    for event in events:
        out.print("  " + describe_change(event.type, event.object_path, event.payload), markup=False)


