"""Bodies of the users, groups and tokens administration endpoints, and the schedule listing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.common import CamelModel


class UserCreate(CamelModel):
    name: str = Field(min_length=1, max_length=255)
    permissions: list[Literal["APPLICATION_ADMIN", "GOVERNANCE"]] = Field(default_factory=list)


class UserView(CamelModel):
    id: int
    name: str
    permissions: list[str]
    groups: list[str]


class GroupCreate(CamelModel):
    name: str = Field(min_length=1, max_length=255)
    members: list[str] = Field(default_factory=list, max_length=10_000)
    permissions: list[Literal["APPLICATION_ADMIN", "GOVERNANCE"]] = Field(default_factory=list)


class GroupView(CamelModel):
    id: int
    name: str
    members: list[str]
    permissions: list[str]


class TokenCreate(CamelModel):
    name: str | None = Field(default=None, max_length=255)


class TokenIssued(CamelModel):
    id: int
    user: str
    token: str = Field(description="shown once; only its hash is stored")


class ScheduleEntry(CamelModel):
    connection_key: str
    status: str
    cron: str
    next_sync_at: datetime | None
    last_sync_at: datetime | None

