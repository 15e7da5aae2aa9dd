"""The mirrored hierarchy: connection → database → schema → table/view, in one table."""

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, one_of

OBJECT_KINDS = ("connection", "database", "schema", "table", "view")
STATUS_SETTINGS = ("enabled", "disabled", "inherit")
EFFECTIVE_STATUSES = ("enabled", "disabled")
REMOTE_STATES = ("present", "deleted")


class DataObject(Base):
    __tablename__ = "data_objects"
    __table_args__ = (
        CheckConstraint(one_of("kind", OBJECT_KINDS), name="kind"),
        CheckConstraint(one_of("status_setting", STATUS_SETTINGS), name="status_setting"),
        CheckConstraint(one_of("effective_status", EFFECTIVE_STATUSES), name="effective_status"),
        CheckConstraint(one_of("activate_new_children", STATUS_SETTINGS), name="activate_new_children"),
        CheckConstraint(one_of("remote_state", REMOTE_STATES), name="remote_state"),
        Index("ix_data_objects_path", "path", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("data_objects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    path: Mapped[list[str]] = mapped_column(ARRAY(Text))
    remote_kind: Mapped[str | None] = mapped_column(Text)
    #: The platform's identity of a table or view; a drop and re-create under the same name changes it.
    remote_id: Mapped[str | None] = mapped_column(Text)
    #: The platform's cheap sign that the columns may have changed (a fingerprint, a last-altered time).
    change_token: Mapped[str | None] = mapped_column(Text)
    status_setting: Mapped[str] = mapped_column(Text, default="inherit")
    effective_status: Mapped[str] = mapped_column(Text, default="disabled")
    activate_new_children: Mapped[str] = mapped_column(Text, default="inherit")
    remote_state: Mapped[str] = mapped_column(Text, default="present")
    status_before_deletion: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = created_at_column()
    last_changed_at: Mapped[datetime] = created_at_column()
    deleted_remotely_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
