"""Waiting on a job (bulkId): a live count of finished subtasks, then its outcome."""

from __future__ import annotations

import uuid
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from cli.errors import job_exit_code
from cli.output import console, describe_change, display_path
from services.crawl.jobs import wait_for_job as poll_job

NO_TIMEOUT = 10 * 365 * 24 * 3600.0


def wait_for_job(bulk_id: uuid.UUID | str, *, timeout: float | None = None, poll_seconds: float = 0.2,
                 show_progress: bool = True) -> dict[str, Any]:
    """Poll the jobs row until it is terminal, showing finished/total subtasks (counted in PostgreSQL).

    Raises JobNotFinished (unavailable: is a worker running?) after `timeout` seconds."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("schemas"), TimeElapsedColumn(), console=console(stderr=True),
                  disable=not show_progress) as progress:
        task = progress.add_task("queued", total=None)

        def show(report: dict[str, Any]) -> None:
            subtasks = report["subtasks"]
            done = subtasks["succeeded"] + subtasks["held"] + subtasks["failed"]
            progress.update(task, description=f"{report['kind']} {display_path(report['objectPath'])}: "
                                              f"{report['status']}", total=subtasks["total"], completed=done)

        return poll_job(bulk_id, timeout=timeout or NO_TIMEOUT, poll=poll_seconds, on_progress=show)


def report_job(report: dict[str, Any]) -> int:
    """Print the outcome of a job and return the exit code that matches it (see cli.errors)."""
    out = console()
    subtasks = report["subtasks"]
    out.print(f"job {report['bulkId']} {report['status']}: {subtasks['succeeded']} of {subtasks['total'] or 0} "
              f"schemas succeeded, {subtasks['held']} held, {subtasks['failed']} failed")
    nothing = report.get("nothingCrawled")
    if nothing:
        out.print(f"nothing crawled: {nothing['message']}", markup=False)
    summary = {k: v for k, v in (report.get("summary") or {}).items() if v}
    if summary:
        out.print("summary: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.items())))
    for error in report.get("errors") or []:
        where = error.get("scope") or ""
        out.print(f"error: {where + ': ' if where else ''}{error.get('message') or error}", markup=False)
    if report["options"].get("dryRun"):
        changes = report.get("plannedChanges") or []
        out.print(f"dry run: {len(changes)} planned change(s), nothing applied")
        for change in changes:
            out.print("  " + describe_change(change.get("type", "?"), change.get("path") or [],
                                             change.get("payload") or {}), markup=False)
    return job_exit_code(report["status"])
