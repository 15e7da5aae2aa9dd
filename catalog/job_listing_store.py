"""Finding jobs: by bulkId, or the newest first, filtered by outcome, connection and who may see them."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import Job


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


def newest_jobs(session: Session, *, visibility: JobVisibility | None = None, statuses: Collection[str] | None = None,
                connection_key: str | None = None, offset: int = 0, limit: int = 100) -> list[Job]:
    query = _visible(select(Job), visibility)
    if statuses is not None:
        query = query.where(Job.status.in_(sorted(statuses)))
    if connection_key is not None:
        query = query.where(Job.connection_key == connection_key)
    return list(session.scalars(query.order_by(Job.id.desc()).offset(offset).limit(limit)))


def last_job_by_connection(session: Session, connection_keys: Collection[str],
                           visibility: JobVisibility | None = None) -> dict[str, Job]:
    """The newest job (among those visible) of each of these connections."""
    if not connection_keys:
        return {}
    query = _visible(select(Job), visibility).where(Job.connection_key.in_(sorted(connection_keys)))
    query = query.distinct(Job.connection_key).order_by(Job.connection_key, Job.id.desc())
    return {job.connection_key: job for job in session.scalars(query) if job.connection_key is not None}
