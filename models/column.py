"""The data dictionary of a table or view."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Column(Base):
    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("table_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign key on purpose: a statement-level trigger deletes the columns of deleted objects
    # (see migration 0001), which keeps bulk loads of large schemas free of per-row FK checks.
    table_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(Integer)
    data_type: Mapped[str] = mapped_column(Text)
    nullable: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    #: The platform's identity of the column in its table, kept across a rename (PostgreSQL attnum, SQL Server
    #: column_id); NULL where the platform has none.
    remote_id: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
