"""`objectsync jobs [--failed] [--connection KEY]` lists crawl and settings jobs; `objectsync job BULKID` shows
one (and with --wait follows it to its end)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from catalog.session import session_factory
from cli.errors import job_exit_code
from cli.output import display_path
from cli.progress import report_job, wait_for_job
from services.crawl.jobs import TERMINAL_STATUSES, find_job, job_report, list_jobs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    jobs = subparsers.add_parser("jobs", help="list crawl and settings jobs, newest first",
                                 description="One job per line: bulkId, kind, status, object path, schemas done, "
                                             "requested by, created.")
    jobs.add_argument("--failed", action="store_true", help="only jobs that did not fully succeed (failed or partial)")
    jobs.add_argument("--connection", metavar="KEY", help="only jobs of this connection")
    jobs.add_argument("--limit", type=int, default=50, help="at most this many jobs (default 50)")
    jobs.add_argument("--json", action="store_true", help="one JSON object per line (the API's job report)")
    jobs.set_defaults(handler=print_jobs)

    job = subparsers.add_parser("job", help="one job by bulkId: status, subtasks, errors, summary")
    job.add_argument("bulk_id", metavar="BULKID")
    job.add_argument("--wait", action="store_true", help="follow it until it ends; the exit code tells its outcome")
    job.add_argument("--timeout", type=float, metavar="SECONDS", help="give up waiting after this long")
    job.add_argument("--json", action="store_true", help="the API's job report as one JSON object")
    job.set_defaults(handler=print_job)


def print_jobs(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        reports = [job_report(j) for j in list_jobs(session, failed_only=args.failed, connection_key=args.connection,
                                                    limit=max(args.limit, 1))]
    if args.json:
        for report in reports:
            print(json.dumps(report, ensure_ascii=False))
        return 0
    if not reports:
        print("no jobs")
        return 0
    for report in reports:
        print("\t".join((report["bulkId"], report["kind"], report["status"], display_path(report["objectPath"]),
                         f"{_done(report)} schemas", report["requestedBy"] or "-", report["createdAt"] or "-")))
    return 0


def print_job(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        report = job_report(find_job(session, args.bulk_id))
    if args.wait and report["status"] not in TERMINAL_STATUSES:
        report = wait_for_job(report["bulkId"], timeout=args.timeout, show_progress=not args.json)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{report['kind']} of {display_path(report['objectPath'])}, requested by {report['requestedBy'] or '-'} "
              f"at {report['createdAt']}; started {report['startedAt'] or '-'}, finished {report['finishedAt'] or '-'}")
        if report["status"] in TERMINAL_STATUSES:
            report_job(report)
        else:
            print(f"job {report['bulkId']} {report['status']}: {_done(report)} schemas done")
    return job_exit_code(report["status"]) if args.wait else 0


def _done(report: dict[str, Any]) -> str:
    subtasks = report["subtasks"]
    done = subtasks["succeeded"] + subtasks["held"] + subtasks["failed"]
    return f"{done}/{subtasks['total']}" if subtasks["total"] is not None else "-"
