"""Signed-in console sessions: the browser holds a random id, the catalog its hash and the token it came from."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class WebSession(Base):
    """One sign-in. It acts with its API token's rights, so revoking the token (or deleting its user) ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    session_hash: Mapped[str] = mapped_column(Text, unique=True)
    token_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
