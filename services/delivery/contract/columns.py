"""Events about the data dictionary: columns added, deleted, renamed, retyped or otherwise changed on a known
table."""

from __future__ import annotations

from typing import Annotated, Literal, Required

from pydantic import Field, with_config
from typing_extensions import TypedDict

from services.delivery.contract.common import STRICT, BulkId, ColumnState, JobId, NoValue, ObjectId, Strict, TablePath
from services.delivery.contract.envelope import CloudEvent

ColumnName = Annotated[str, Field(description="The column's name as the platform spells it")]


class ColumnAdded(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    column: ColumnName
    before: NoValue
    after: ColumnState


class ColumnAddedEvent(CloudEvent):
    """A crawl found a new column on a table or view it already knew: the column is tagged `New`, and on a
    data source its data owners get an owner request (`request.created`). Columns of new tables come with
    `object.created` instead."""

    type: Literal["objectsync.column.added"]
    data: ColumnAdded


class ColumnDeleted(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    column: ColumnName
    before: ColumnState
    after: NoValue


class ColumnDeletedEvent(CloudEvent):
    """A crawl no longer found a column: it left the dictionary, and on a data source its data owners get an
    owner request (`request.created`)."""

    type: Literal["objectsync.column.deleted"]
    data: ColumnDeleted


@with_config(STRICT)
class TypeChange(TypedDict, total=False):
    """`dataType` always; the other attributes only when they changed too."""

    ordinal: int
    dataType: Required[str]
    nullable: bool
    comment: str | None


class ColumnTypeChanged(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    column: ColumnName
    before: TypeChange
    after: TypeChange


class ColumnTypeChangedEvent(CloudEvent):
    """A crawl saw a column's data type change: the column is tagged `New` again."""

    type: Literal["objectsync.column.type_changed"]
    data: ColumnTypeChanged


@with_config(STRICT)
class ColumnChange(TypedDict, total=False):
    """Only the attributes that changed are present (never `dataType`: that is `column.type_changed`)."""

    ordinal: int
    nullable: bool
    comment: str | None


class ColumnChanged(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    column: ColumnName
    before: ColumnChange
    after: ColumnChange


class ColumnChangedEvent(CloudEvent):
    """A crawl saw a column's position, nullability or comment change (its type stayed); tags are untouched."""

    type: Literal["objectsync.column.changed"]
    data: ColumnChanged


class ColumnNameState(Strict):
    name: ColumnName


class ColumnRenamed(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    column: ColumnName = Field(description="The column's new name")
    before: ColumnNameState
    after: ColumnNameState


class ColumnRenamedEvent(CloudEvent):
    """A crawl saw a column renamed, proven by the platform's own identity of the column (PostgreSQL `attnum`,
    SQL Server `column_id`); elsewhere a rename arrives as `column.deleted` plus `column.added`. The column keeps
    its catalog row: its tags and its pending owner requests. Any other change to it comes as its own event
    (`column.type_changed`, `column.changed`) under the new name."""

    type: Literal["objectsync.column.renamed"]
    data: ColumnRenamed
