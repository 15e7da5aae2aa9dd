"""Jobs and their schema subtasks: the statuses they pass through, and the change summary they report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from domain.change_types import PlannedEvent


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some schemas failed or were held, or a listing reported errors
    FAILED = "failed"


#: A job in one of these is closed: nothing runs for it any more.
TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED})
#: A job in one of these still has work ahead (or lost its messages, and is re-sent).
OPEN_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


class SubtaskStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    HELD = "held"  # the mass-deletion guard held the schema's deletions back
    FAILED = "failed"


def final_job_status(*, succeeded: int, held: int, failed: int, errors: int) -> JobStatus:
    """The status a job closes with once every subtask has finished."""
    if failed and not succeeded and not held:
        return JobStatus.FAILED
    if failed or held or errors:
        return JobStatus.PARTIAL
    return JobStatus.SUCCEEDED


#: Summary keys: stored tables, schemas and databases a privilege-filtered listing did not show and that were
#: left as they are (not proven dropped).
TABLES_NOT_VISIBLE = "tablesNotVisible"
SCHEMAS_NOT_VISIBLE = "schemasNotVisible"
DATABASES_NOT_VISIBLE = "databasesNotVisible"


def summarize(events: Iterable[PlannedEvent], *, tables_not_visible: int = 0, schemas_not_visible: int = 0,
              databases_not_visible: int = 0) -> dict[str, int]:
    """Change events counted by type, and what was not visible, as a job's summary shows them."""
    summary = dict(Counter(str(e.type) for e in events))
    for key, count in ((TABLES_NOT_VISIBLE, tables_not_visible), (SCHEMAS_NOT_VISIBLE, schemas_not_visible),
                       (DATABASES_NOT_VISIBLE, databases_not_visible)):
        if count:
            summary[key] = count
    return summary
