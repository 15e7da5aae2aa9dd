"""`objectsync` entry point: builds the parser from the command modules and maps domain errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from cli import api, connection, crawl, demo, events, prune, runtime, webhooks
from cli.errors import CliError, describe_error
from workers.celery_app import install_enqueue_sender

#: Every command group; a module exposes `add_parser(subparsers)` and sets `handler` on its parsers.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    demo,
    connection,
    crawl,
    events,
    runtime,
    api,
    webhooks,
    prune,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="objectsync",
        description="Mirror data platform catalogs into PostgreSQL and emit change events.",
    )
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
    except CliError as exc:
        print(f"objectsync: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        message = describe_error(exc)
        if message is None:
            raise
        print(f"objectsync: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
