"""Events about owner validation requests: raised for column changes on data sources, then validated."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from services.delivery.contract.common import (
    BulkId,
    JobId,
    NoBulk,
    NoJob,
    NoValue,
    ObjectId,
    RequestKind,
    Strict,
    TablePath,
)
from services.delivery.contract.envelope import CloudEvent


class PendingState(Strict):
    status: Literal["pending"]


class RequestCreated(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    requestId: int = Field(description="Validate it with `POST /requests/{requestId}/validate`")
    kind: RequestKind
    column: str
    owners: list[int] = Field(min_length=1, description="User ids of the table's data owners (direct, by group or "
                              "inherited); for a table without one, the users holding GOVERNANCE")
    sourceEventId: uuid.UUID = Field(description="The `id` of the column event that raised it")
    before: NoValue
    after: PendingState


class RequestCreatedEvent(CloudEvent):
    """A column was added to, deleted from or retyped on a data source (an enabled table or view present on the
    platform): its data owners (or governance) are asked to validate. Raised once per column event, by the crawl
    that found it, after the event and before the job's `job.finished`."""

    type: Literal["objectsync.request.created"]
    data: RequestCreated


class ResolutionState(Strict):
    tags: list[str] | None = Field(description="The column's tags; null when the request is not about an "
                                               "added column still in the dictionary")


class BeforeResolution(ResolutionState):
    status: Literal["pending"]


class AfterResolution(ResolutionState):
    status: Literal["validated"]


class RequestResolved(Strict):
    objectPath: TablePath
    objectId: ObjectId
    jobId: NoJob
    bulkId: NoBulk
    requestId: int
    kind: RequestKind
    column: str
    resolvedBy: int | None = Field(description="User id of the owner who validated it, when known")
    before: BeforeResolution
    after: AfterResolution


class RequestResolvedEvent(CloudEvent):
    """A data owner validated a request; for an added column its `New` tag is removed (see the tags)."""

    type: Literal["objectsync.request.resolved"]
    data: RequestResolved
