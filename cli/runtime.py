"""`objectsync worker|beat|migrate`: run the service processes against DATABASE_URL and REDIS_URL."""

from __future__ import annotations

import argparse
import os
import sys

from cli.errors import ServersNotConfigured
from settings import get_settings
from workers.queues import QUEUES


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    worker = subparsers.add_parser("worker", help="run a Celery worker consuming every objectsync queue")
    worker.add_argument("--concurrency", type=int, help="worker processes or threads (default: one per CPU)")
    worker.add_argument("--pool", choices=("prefork", "threads"), default="prefork",
                        help="prefork: one process per task slot; threads: task slots share one process, for "
                             "reads that mostly wait on the platform (run many more than CPUs)")
    worker.add_argument("--queues", default=",".join(q.name for q in QUEUES),
                        help="comma-separated queues to consume (default: all)")
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument("--hostname", help="Celery node name, e.g. worker1@%%h")
    worker.set_defaults(handler=run_worker)

    beat = subparsers.add_parser("beat", help="run Celery beat: ticks the due-sync dispatcher every minute")
    beat.add_argument("--loglevel", default="INFO")
    beat.set_defaults(handler=run_beat)

    migrate = subparsers.add_parser("migrate", help="create or upgrade the catalog schema (Alembic)")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(handler=run_migrate)


def require_servers() -> None:
    settings = get_settings()
    missing = [name for name, value in (("DATABASE_URL", settings.database_url),
                                        ("REDIS_URL", settings.redis_url)) if not value]
    if missing:
        raise ServersNotConfigured(
            f"{' and '.join(missing)} must be set (embedded servers exist only in `objectsync demo`)")


def worker_command(queues: str, loglevel: str = "INFO", concurrency: int | None = None,
                   hostname: str | None = None, pool: str = "prefork") -> list[str]:
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", f"--loglevel={loglevel}",
               "--queues", queues, "--without-gossip", "--without-mingle", f"--pool={pool}"]
    if concurrency:
        command.append(f"--concurrency={concurrency}")
    if hostname:
        command.append(f"--hostname={hostname}")
    return command


def run_worker(args: argparse.Namespace) -> int:
    require_servers()
    command = worker_command(args.queues, args.loglevel, args.concurrency, args.hostname, args.pool)
    os.execv(command[0], command)
    return 0  # not reached


def run_beat(args: argparse.Namespace) -> int:
    """Two beats running at once are harmless: the dispatcher claims due connections with SKIP LOCKED."""
    require_servers()
    home = get_settings().home
    home.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "beat", f"--loglevel={args.loglevel}",
               f"--schedule={home / 'celerybeat-schedule'}"]
    os.execv(command[0], command)
    return 0  # not reached


def run_migrate(args: argparse.Namespace) -> int:
    from catalog.migrate import upgrade

    url = get_settings().database_url
    if not url:
        raise ServersNotConfigured("DATABASE_URL must be set")
    upgrade(url, args.revision)
    print(f"catalog migrated to {args.revision}")
    return 0
