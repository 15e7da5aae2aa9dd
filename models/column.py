"""The data dictionary of a table or view."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class Column(Base):
    __tablename__ = "columns"

    # Keyed by table and name, with no surrogate id: its sequence and index would cost a first sync a third of
    # its column writes (migration 0017). No foreign key on purpose either: a statement-level trigger deletes the
    # columns of deleted objects (migration 0001), which keeps bulk loads free of per-row FK checks.
    table_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    data_type: Mapped[str] = mapped_column(Text)
    nullable: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    #: The platform's identity of the column in its table, kept across a rename (PostgreSQL attnum, SQL Server
    #: column_id); NULL where the platform has none.
    remote_id: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
