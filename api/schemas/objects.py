"""Bodies of /data/object, /data/settings and /data/crawl."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import CamelModel, Page, StatusSetting, status_setting_value
from services.connections.object_settings import OwnerRef, SettingsChange


class TagBody(CamelModel):
    name: str
    system: bool


class ColumnBody(CamelModel):
    name: str
    ordinal: int
    data_type: str
    nullable: bool
    comment: str | None
    tags: list[str]


class ChildBody(CamelModel):
    name: str
    kind: str
    object_path: list[str]
    effective_status: str
    remote_state: str


class OwnerBody(CamelModel):
    type: Literal["user", "group"]
    name: str = Field(min_length=1, max_length=255)


class ObjectSettingsBody(CamelModel):
    is_active: str
    activate_new_children: str
    data_owners: list[OwnerBody]


class ObjectView(CamelModel):
    object_path: list[str]
    name: str
    kind: str
    remote_kind: str | None
    effective_status: str
    data_source_name: str | None = Field(description="Connection.DATABASE.SCHEMA.TABLE for enabled tables")
    remote_state: str
    settings: ObjectSettingsBody
    comment: str | None
    owner: str | None
    revision: int
    first_seen_at: datetime
    last_changed_at: datetime
    deleted_remotely_at: datetime | None
    tags: list[TagBody]
    children: Page[ChildBody]
    dictionary: list[ColumnBody] | None = Field(description="columns, for tables and views only")


#: A change event as webhooks, the Redis stream, the feed, the history and `objectsync events --json` carry
#: it: a CloudEvent (its JSON Schema: `objectsync events schema`).
EventBody = dict[str, Any]


class SettingsValues(CamelModel):
    is_active: StatusSetting | None = None
    activate_new_children: StatusSetting | None = None
    data_owners: list[OwnerBody | str] | None = Field(
        default=None, max_length=1000, description="replaces the object's direct owners; a plain string names a user")

    def change(self) -> SettingsChange:
        owners = None
        if self.data_owners is not None:
            owners = [OwnerRef("user", o) if isinstance(o, str) else OwnerRef(o.type, o.name) for o in self.data_owners]
        return SettingsChange(is_active=status_setting_value(self.is_active),
                              activate_new_children=status_setting_value(self.activate_new_children),
                              data_owners=owners)


class SettingsRequest(CamelModel):
    settings: SettingsValues


class SettingsResponse(CamelModel):
    object_path: list[str]
    bulk_id: str | None = Field(description="the propagation job, when the status setting changed")
    settings: ObjectSettingsBody


class CrawlRequest(CamelModel):
    force_recursive_crawl: bool | None = Field(default=None, description="also crawl disabled objects")
    dry_run: bool = False
    allow_mass_deletion: bool = False
    full_read: bool = Field(default=False, description="read every column, whatever the change tokens say")


class CrawlResponse(CamelModel):
    bulk_id: str
    object_path: list[str]


class DeleteResponse(CamelModel):
    object_path: list[str]
    objects_deleted: int


class JobsResponse(BaseModel):
    jobs: list[dict[str, Any]]
