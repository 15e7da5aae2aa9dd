"""The outbox: append-only change events, committed in id order, doubling as object history."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, Index, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.json_text_type import JsonText


class ChangeEvent(Base):
    __tablename__ = "change_events"
    __table_args__ = (
        Index("ix_change_events_object_path", "object_path"),
        # The retention prune finds old events without reading the recent ones (migration 0004).
        Index("ix_change_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    type: Mapped[str] = mapped_column(Text, index=True)
    connection_key: Mapped[str] = mapped_column(Text)
    object_path: Mapped[list[str]] = mapped_column(ARRAY(Text))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    #: JSON as the service wrote it, in a text column: passed on as written, never queried beyond one key, and not
    #: parsed by PostgreSQL on insert (migration 0020); lz4-compressed where the server has it.
    payload: Mapped[dict[str, Any]] = mapped_column(JsonText, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RelayCursor(Base):
    """How far a consumer of the outbox (webhook relay, Redis stream) has read, by change_events.id."""

    __tablename__ = "relay_cursors"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
