"""Events about data objects: created, changed, deleted remotely, restored, deleted by hand; data sources
switched on or off."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, with_config
from typing_extensions import TypedDict

from services.delivery.contract.common import (
    STRICT,
    AnyPath,
    BulkId,
    ContainerKind,
    ContainerPath,
    JobId,
    NamedColumn,
    NoBulk,
    NoJob,
    NoValue,
    ObjectId,
    ObjectKind,
    RemoteKind,
    RemotePath,
    Status,
    StatusState,
    Strict,
    TableKind,
    TablePath,
)
from services.delivery.contract.envelope import CloudEvent


class TableCreated(Strict):
    """A new table or view, with its columns already in the dictionary (they are not tagged `New`)."""

    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    kind: TableKind
    remoteKind: str | None = Field(description="The platform's own word: `BASE TABLE`, `VIEW`, …")
    status: Status = Field(description="Effective status: from the nearest activateNewChildren setting")
    columns: int = Field(ge=0, description="How many columns it has")
    comment: str | None = Field(description="The platform's comment on it; an empty comment is sent as null")
    owner: str | None = Field(description="Its owner on the platform, where the platform has one")
    dictionary: list[NamedColumn] = Field(description="Its columns in ordinal order, as the data dictionary holds "
                                                      "them")
    before: NoValue
    after: NoValue


class ContainerCreated(Strict):
    """A new database or schema."""

    objectPath: ContainerPath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    kind: ContainerKind
    status: Status
    before: NoValue
    after: NoValue


class ObjectCreatedEvent(CloudEvent):
    """A crawl found a database, schema, table or view the catalog did not hold (also one deleted by hand
    earlier and seen again)."""

    type: Literal["objectsync.object.created"]
    data: Annotated[TableCreated | ContainerCreated, Field(discriminator="kind")]


@with_config(STRICT)
class TableAttributes(TypedDict, total=False):
    """Only the attributes that changed are present."""

    kind: TableKind
    remoteKind: str | None
    comment: str | None
    owner: str | None


class ObjectChanged(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    before: TableAttributes
    after: TableAttributes


class ObjectChangedEvent(CloudEvent):
    """A crawl saw a table's or view's kind, remote kind, comment or owner change on the platform;
    `before` and `after` hold just the changed attributes."""

    type: Literal["objectsync.object.changed"]
    data: ObjectChanged


class DisabledState(Strict):
    status: Literal["disabled"]


class ObjectDeletedRemotely(Strict):
    objectPath: RemotePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    kind: RemoteKind
    before: StatusState = Field(description="Its effective status before")
    after: DisabledState


class ObjectDeletedRemotelyEvent(CloudEvent):
    """A crawl no longer found a database, schema, table or view: it is disabled and kept, marked deleted
    remotely, until deleted by hand. Never emitted for a scope whose read failed, nor past the mass-deletion
    guard (see `sync.guard_tripped`)."""

    type: Literal["objectsync.object.deleted_remotely"]
    data: ObjectDeletedRemotely


class ObjectRestored(Strict):
    objectPath: RemotePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    kind: RemoteKind
    status: Status = Field(description="Effective status again, from the setting it had before it vanished")
    before: NoValue
    after: NoValue


class ObjectRestoredEvent(CloudEvent):
    """An object marked deleted remotely is back on the platform."""

    type: Literal["objectsync.object.restored"]
    data: ObjectRestored


class ObjectDeleted(Strict):
    objectPath: AnyPath
    objectId: ObjectId
    jobId: NoJob
    bulkId: NoBulk
    kind: ObjectKind
    requestedBy: str | None = Field(description="Who asked: the API caller's principal name, when known")
    objectsDeleted: int = Field(ge=1, description="On the object asked for: the size of its subtree; else 1")
    before: NoValue
    after: NoValue


class ObjectDeletedEvent(CloudEvent):
    """Someone deleted an object from the catalog by hand (never anything on the platform): one event for
    the object asked for and one for every table and view under it. Deleting a connection deregisters it."""

    type: Literal["objectsync.object.deleted"]
    data: ObjectDeleted


class EnabledState(Strict):
    status: Literal["enabled"]


class DataSourceFlip(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId = Field(description="The settings job, or the crawl, that flipped it")
    kind: TableKind
    before: NoValue


class DataSourceEnabled(DataSourceFlip):
    """A status setting changed on it or on a parent, or a crawl found its database or schema back."""

    after: EnabledState


class DataSourceDisabled(DataSourceFlip):
    """A status setting changed on it or on a parent, or a crawl found its database or schema deleted remotely."""

    after: DisabledState


class DataSourceEnabledEvent(CloudEvent):
    """A table or view became a data source (effective status enabled) because of a settings change or
    because a crawl restored its database or schema. Not emitted for new tables."""

    type: Literal["objectsync.data_source.enabled"]
    data: DataSourceEnabled


class DataSourceDisabledEvent(CloudEvent):
    """A table or view stopped being a data source because of a settings change or because
    a crawl found its database or schema deleted remotely. A table itself deleted remotely emits
    `object.deleted_remotely` instead."""

    type: Literal["objectsync.data_source.disabled"]
    data: DataSourceDisabled
