"""`objectsync` entry point: builds the parser from the command modules and maps errors to exit codes once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from cli import api, connection, crawl, demo, events, integration, jobs, object_settings, prune, runtime, webhooks
from cli.errors import describe_error
from workers.celery_app import install_enqueue_sender

#: Every command group; a module exposes `add_parser(subparsers)` and sets `handler` on its parsers.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    demo,
    connection,
    integration,
    crawl,
    object_settings,
    jobs,
    events,
    runtime,
    api,
    webhooks,
    prune,
)


def installed_version() -> str:
    try:
        return version("objectsync")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="objectsync",
        description="Mirror data platform catalogs into PostgreSQL and emit change events.",
        epilog="Exit codes: 0 done, 1 job failed or unexpected error, 2 invalid, 3 not found, 4 conflict, "
               "5 unavailable, 6 not authenticated or forbidden, 7 job partial.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        install_enqueue_sender()
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        described = describe_error(exc)
        if described is None:
            raise
        message, code = described
        print(f"objectsync: error: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
