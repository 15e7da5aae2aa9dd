"""Finding jobs: by bulkId, or the newest first, filtered by outcome, connection and who may see them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from models import Job, JobSubtask


@dataclass(frozen=True, slots=True)
class JobVisibility:
    """Jobs requested by `requested_by`, or whose scope lies in one of `owned_paths` (their subtrees)."""

    requested_by: str
    owned_paths: Sequence[Sequence[str]]


def _visible(query: Select[Job], visibility: JobVisibility | None) -> Select[Job]:
    if visibility is None:
        return query
    scopes = [Job.scope_path[1:len(p)] == list(p) for p in visibility.owned_paths]
    return query.where(or_(Job.requested_by == visibility.requested_by, *scopes))


def job_by_bulk_id(session: Session, bulk_id: uuid.UUID, visibility: JobVisibility | None = None) -> Job | None:
    return session.scalar(_visible(select(Job), visibility).where(Job.bulk_id == bulk_id))


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which jobs a listing keeps; None keeps any."""

    statuses: Collection[str] | None = None
    connection_key: str | None = None
    kinds: Collection[str] | None = None

    def apply(self, query: Select[Job]) -> Select[Job]:
        if self.statuses is not None:
            query = query.where(Job.status.in_(sorted(self.statuses)))
        if self.connection_key is not None:
            query = query.where(Job.connection_key == self.connection_key)
        if self.kinds is not None:
            query = query.where(Job.kind.in_(sorted(self.kinds)))
        return query


def newest_jobs(session: Session, *, visibility: JobVisibility | None = None, only: JobFilter = JobFilter(),
                offset: int = 0, limit: int = 100) -> list[Job]:
    query = only.apply(_visible(select(Job), visibility))
    return list(session.scalars(query.order_by(Job.id.desc()).offset(offset).limit(limit)))


def count_jobs(session: Session, *, visibility: JobVisibility | None = None, only: JobFilter = JobFilter()) -> int:
    query = only.apply(_visible(select(Job), visibility))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def last_job_by_connection(session: Session, connection_keys: Collection[str],
                           visibility: JobVisibility | None = None) -> dict[str, Job]:
    """The newest job (among those visible) of each of these connections."""
    if not connection_keys:
        return {}
    query = _visible(select(Job), visibility).where(Job.connection_key.in_(sorted(connection_keys)))
    query = query.distinct(Job.connection_key).order_by(Job.connection_key, Job.id.desc())
    return {job.connection_key: job for job in session.scalars(query) if job.connection_key is not None}


def job_labels(session: Session, job_id: int) -> tuple[uuid.UUID, str | None] | None:
    """A job's bulkId and connection key."""
    row = session.execute(select(Job.bulk_id, Job.connection_key).where(Job.id == job_id)).first()
    return (row.bulk_id, row.connection_key) if row is not None else None


def subtask_labels(session: Session, subtask_id: int) -> tuple[uuid.UUID, str | None, str, str] | None:
    """A subtask's job bulkId, connection key, database and schema."""
    row = session.execute(
        select(Job.bulk_id, Job.connection_key, JobSubtask.database, JobSubtask.schema)
        .join(Job, Job.id == JobSubtask.job_id).where(JobSubtask.id == subtask_id)
    ).first()
    return (row.bulk_id, row.connection_key, row.database, row.schema) if row is not None else None
