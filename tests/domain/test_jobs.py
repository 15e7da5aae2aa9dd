"""How a job closes once its last subtask has finished, and what its summary counts."""

from __future__ import annotations

import pytest

from domain import change_types as ev
from domain.jobs import TABLES_NOT_VISIBLE, TERMINAL_STATUSES, JobStatus, final_job_status, summarize


@pytest.mark.parametrize(("succeeded", "held", "failed", "errors", "expected"), [
    pytest.param(3, 0, 0, 0, "succeeded", id="all-succeeded"),
    pytest.param(0, 0, 0, 0, "succeeded", id="nothing-to-crawl"),
    pytest.param(2, 0, 0, 1, "partial", id="a-listing-error"),
    pytest.param(2, 1, 0, 1, "partial", id="a-schema-held"),
    pytest.param(2, 0, 1, 1, "partial", id="a-schema-failed"),
    pytest.param(0, 1, 2, 3, "partial", id="held-and-failed"),
    pytest.param(0, 0, 3, 3, "failed", id="every-schema-failed"),
])
def test_final_job_status(succeeded: int, held: int, failed: int, errors: int, expected: str) -> None:
    status = final_job_status(succeeded=succeeded, held=held, failed=failed, errors=errors)
    assert status == expected and status in TERMINAL_STATUSES


def test_terminal_statuses_are_the_closed_ones() -> None:
    assert {str(s) for s in TERMINAL_STATUSES} == {"succeeded", "partial", "failed"}
    assert JobStatus.QUEUED not in TERMINAL_STATUSES and "running" not in TERMINAL_STATUSES


def test_summary_counts_events_by_type_and_tables_not_visible() -> None:
    events = [ev.planned(ev.OBJECT_CREATED, ("pg", "db", "s", t), 1, {}) for t in "ab"]
    events.append(ev.planned(ev.COLUMN_ADDED, ("pg", "db", "s", "a"), 2, {}, "c"))
    assert summarize(events) == {"object.created": 2, "column.added": 1}
    assert summarize([], tables_not_visible=4) == {TABLES_NOT_VISIBLE: 4}
    assert all(type(k) is str for k in summarize(events))  # plain JSON keys
