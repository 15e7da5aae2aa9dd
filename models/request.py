"""Owner validation requests raised by column additions and deletions."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, one_of

REQUEST_KINDS = ("column_added", "column_deleted", "column_type_changed")
REQUEST_STATUSES = ("pending", "validated")


class OwnerRequest(Base):
    __tablename__ = "owner_requests"
    __table_args__ = (
        CheckConstraint(one_of("kind", REQUEST_KINDS), name="kind"),
        CheckConstraint(one_of("status", REQUEST_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    table_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("data_objects.id", ondelete="CASCADE"), index=True)
    column_name: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False), unique=True)
    status: Mapped[str] = mapped_column(Text, default="pending")
    created_at: Mapped[datetime] = created_at_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
