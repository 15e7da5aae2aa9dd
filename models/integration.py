"""A platform integration: the system account, role and database (or catalog) set up on a platform for the
service, its validation results and where it is in its lifecycle."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Identity, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, one_of

INTEGRATION_STATUSES = (
    "creating", "enabled", "editing", "deleting", "deleted", "disabled", "migrating",
    "createError", "editError", "deleteError", "migrateError", "recurringValidationError",
)


class Integration(Base):
    __tablename__ = "integrations"
    __table_args__ = (CheckConstraint(one_of("status", INTEGRATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(Text, index=True)
    auto_bootstrap: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Non-secret configuration as given (secrets are in credentials_encrypted, never here).
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: The system account's credentials; privileged setup credentials are never stored.
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(Text, default="creating")
    validation_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    #: The version of the setup script last run; an older one is migrated.
    script_version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    #: The connection this integration belongs to, when it came as a connection's nativeIntegration.
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
