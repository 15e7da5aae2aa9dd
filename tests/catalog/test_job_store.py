"""Job bookkeeping against a real PostgreSQL: timestamps are the wall clock, not the transaction's start."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from catalog.job_store import complete_subtask, create_subtasks, start_job
from catalog.session import session_factory
from domain.jobs import SubtaskStatus
from models import Job

pytestmark = [pytest.mark.usefixtures("catalog"), pytest.mark.integration]


def test_a_long_subtask_transaction_finishes_the_job_at_its_end_not_its_start() -> None:
    """A schema subtask that took its time inside one transaction: finishedAt is when it ended."""
    with session_factory()() as session, session.begin():
        job = Job(kind="crawl", connection_key="pg", scope_path=["pg"], options={})
        session.add(job)
        session.flush()
        start_job(session, job.id)
        (subtask,) = create_subtasks(session, job.id, [("db", "s")], None)
        session.execute(text("SELECT pg_sleep(0.4)"))  # the remote read and the apply
        assert complete_subtask(session, subtask, SubtaskStatus.SUCCEEDED)
        elapsed = session.scalar(text("SELECT extract(epoch FROM finished_at - now()) FROM jobs WHERE id = :id"),
                                 {"id": job.id})
    assert elapsed >= 0.4
