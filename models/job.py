"""Jobs tracked by bulkId, and the per-schema subtasks whose completion is counted in PostgreSQL."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, one_of

JOB_STATUSES = ("queued", "running", "succeeded", "partial", "failed")
SUBTASK_STATUSES = ("pending", "succeeded", "held", "failed")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(one_of("status", JOB_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bulk_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(Text)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id", ondelete="SET NULL"), index=True)
    connection_key: Mapped[str | None] = mapped_column(Text)
    scope_path: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    requested_by: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, default="queued")
    subtasks_total: Mapped[int | None] = mapped_column(Integer)
    subtasks_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    subtasks_held: Mapped[int] = mapped_column(Integer, default=0)
    subtasks_failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    planned_changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    #: Why the crawl read nothing ({reason, message}), null when it read something.
    nothing_crawled: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobSubtask(Base):
    __tablename__ = "job_subtasks"
    __table_args__ = (
        UniqueConstraint("job_id", "database", "schema", "batch"),
        CheckConstraint(one_of("status", SUBTASK_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    job_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("jobs.id", ondelete="CASCADE"))
    database: Mapped[str] = mapped_column(Text)
    schema: Mapped[str] = mapped_column(Text)
    tables: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    #: 0, or the batch's number when a large schema is crawled as name-range batches.
    batch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The batch's table-name range and the whole schema's deletion counts (see domain.schema_batches).
    batch_range: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: How long the subtask's remote read took (NULL: nothing was read, or it failed).
    read_seconds: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
