"""`objectsync crawl PATH`: a manual crawl of a connection, database, schema or table."""

from __future__ import annotations

import argparse

from catalog.session import session_factory
from cli.progress import report_job, wait_for_job
from domain.paths import parse_path
from services.crawl.jobs import start_crawl


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl", help="crawl an object path now",
        description="Crawl a connection, database, schema or table. PATH is 'connection/database/schema/table' "
                    "(a prefix of it), each segment percent-encoded: 'pg/app/Sales/Order%%20Items'.",
    )
    parser.add_argument("path", metavar="PATH")
    parser.add_argument("--include-disabled", action="store_true", default=None,
                        help="also scan disabled objects (default: the connection's forceRecursiveCrawl)")
    parser.add_argument("--dry-run", action="store_true", help="report the changes without applying them")
    parser.add_argument("--allow-mass-deletion", action="store_true",
                        help="apply even if more than the threshold of objects would be marked deleted")
    parser.add_argument("--full", action="store_true",
                        help="read every column, whatever the platform's change tokens say")
    parser.add_argument("--wait", action="store_true", help="show progress until the job finishes, then its outcome")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="give up waiting after this long")
    parser.set_defaults(handler=crawl)


def crawl(args: argparse.Namespace) -> int:
    path = parse_path(args.path)
    bulk_id = start_crawl(session_factory(), path, include_disabled=args.include_disabled, dry_run=args.dry_run,
                          allow_mass_deletion=args.allow_mass_deletion, full_read=args.full, requested_by="cli")
    print(f"crawl requested: bulkId {bulk_id}")
    if not args.wait:
        return 0
    return report_job(wait_for_job(bulk_id, timeout=args.timeout))
