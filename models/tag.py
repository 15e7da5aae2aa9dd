"""Tags on data objects; system tags (the connection tag) are neither editable nor deletable."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column


class ObjectTag(Base):
    __tablename__ = "object_tags"
    __table_args__ = (UniqueConstraint("object_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    object_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("data_objects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    system: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()
