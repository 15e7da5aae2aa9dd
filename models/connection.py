"""A registered connection to a data platform."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.connection_status import ConnectionStatus
from models.base import Base, created_at_column, one_of

CONNECTION_STATUSES = tuple(ConnectionStatus)


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (CheckConstraint(one_of("status", CONNECTION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    technology: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(Text, default=ConnectionStatus.CREATING)
    validation_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    cron: Mapped[str] = mapped_column(Text, default="0 1 * * *")
    #: The outbox position when this connection was registered; keeps event ids of a connection
    #: registered again under the same key distinct from those of its earlier life.
    event_namespace: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    next_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
