"""Building blocks shared by the event contract: strict models, object paths, statuses, column states."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.change_types import (
    COLUMN_ADDED,
    COLUMN_CHANGED,
    COLUMN_DELETED,
    COLUMN_RENAMED,
    COLUMN_TYPE_CHANGED,
    DATA_SOURCE_DISABLED,
    DATA_SOURCE_ENABLED,
    JOB_FINISHED,
    OBJECT_CHANGED,
    OBJECT_CREATED,
    OBJECT_DELETED,
    OBJECT_DELETED_REMOTELY,
    OBJECT_RESTORED,
    REQUEST_CREATED,
    REQUEST_RESOLVED,
    SYNC_GUARD_TRIPPED,
)

#: Any key the code does not document is an error: drift between code and contract fails the tests.
STRICT = ConfigDict(extra="forbid", field_title_generator=lambda name, _: name)


class Strict(BaseModel):
    model_config = STRICT


def _path(low: int, high: int, what: str) -> object:
    return Field(min_length=low, max_length=high,
                 description=f"{what}: [connectionKey, database, schema, table] down to its level, names as the "
                             "platform spells them")


AnyPath = Annotated[list[str], _path(1, 4, "Any object")]
ContainerPath = Annotated[list[str], _path(2, 3, "A database or schema")]
SchemaPath = Annotated[list[str], _path(3, 3, "A schema")]
TablePath = Annotated[list[str], _path(4, 4, "A table or view")]
ConnectionPath = Annotated[list[str], _path(1, 1, "A connection")]
RemotePath = Annotated[list[str], _path(2, 4, "A database, schema, table or view")]

ObjectId = Annotated[int, Field(description="The data object's id in the catalog")]
JobId = Annotated[int, Field(description="The job's internal id; deprecated, use bulkId")]
NoJob = Annotated[None, Field(description="Always null: the event is not caused by a job")]
BulkId = Annotated[uuid.UUID, Field(description="The bulkId of the job (crawl or settings change) that caused the "
                                                "event, as its request answered (`GET /jobs/{bulkId}`)")]
NoBulk = Annotated[None, Field(description="Always null: the event is not caused by a job")]
NoValue = Annotated[None, Field(description="Always null for this event type")]

Status = Literal["enabled", "disabled"]
TableKind = Literal["table", "view"]
ContainerKind = Literal["database", "schema"]
RemoteKind = Literal["database", "schema", "table", "view"]
ObjectKind = Literal["connection", "database", "schema", "table", "view"]
RequestKind = Literal["column_added", "column_deleted", "column_type_changed"]
#: Keys of a job's summary: the outbox's event types (the contract's tests pin it to the vocabulary).
EventType = Literal[  # type: ignore[valid-type]
    OBJECT_CREATED, OBJECT_CHANGED, OBJECT_DELETED_REMOTELY, OBJECT_RESTORED, OBJECT_DELETED,
    DATA_SOURCE_ENABLED, DATA_SOURCE_DISABLED, COLUMN_ADDED, COLUMN_DELETED, COLUMN_TYPE_CHANGED, COLUMN_CHANGED,
    COLUMN_RENAMED, REQUEST_CREATED, REQUEST_RESOLVED, JOB_FINISHED, SYNC_GUARD_TRIPPED,
]


class StatusState(Strict):
    status: Status


class ColumnState(Strict):
    """A column of the data dictionary; an empty comment is sent as null."""

    ordinal: int = Field(description="1-based position in the table")
    dataType: str = Field(description="The platform's type, with its modifiers (e.g. `numeric(10,2)`)")
    nullable: bool
    comment: str | None


class NamedColumn(ColumnState):
    """A column with its name, as a new table's dictionary lists it."""

    name: str = Field(description="The column's name as the platform spells it")
