"""Events about crawls as a whole: a job finished, or the mass-deletion guard held deletions back."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.delivery.contract.common import (
    AnyPath,
    BulkId,
    ConnectionPath,
    ContainerKind,
    EventType,
    JobId,
    NoValue,
    ObjectId,
    SchemaPath,
    Strict,
)
from services.delivery.contract.envelope import CloudEvent


class Subtasks(Strict):
    total: int
    succeeded: int
    held: int
    failed: int


class NothingCrawled(Strict):
    reason: Literal["filtered", "not_found", "disabled", "empty"]
    message: str = Field(description="In words, naming the filter pattern, or the object whose setting disables "
                                     "the path")


class JobCompleted(Strict):
    """The crawl ran; its schema subtasks are counted."""

    objectPath: AnyPath = Field(description="The crawl's scope")
    objectId: ObjectId | None = Field(description="The scope's object id when the step that closed the job "
                                                   "held it, else null")
    jobId: JobId
    bulkId: BulkId
    jobKind: Literal["crawl"]
    status: Literal["succeeded", "partial", "failed"] = Field(
        description="partial: some schemas failed or were held by the guard, or a database could not be listed")
    subtasks: Subtasks
    summary: dict[EventType, int] = Field(description="How many events of each type the crawl found (planned "
                                                      "ones too in a dry run)")
    dryRun: bool
    nothingCrawled: NothingCrawled | None = Field(
        None, description="Why the crawl read nothing (its path is filtered out, not on the platform, disabled, or "
                          "holds no schema to read); null when it read something")
    before: NoValue
    after: NoValue


class SettingsSummary(Strict):
    objectsChanged: int = Field(description="Objects whose effective status flipped")
    dataSourcesEnabled: int
    dataSourcesDisabled: int


class SettingsJobCompleted(Strict):
    """A status setting was propagated down the object's subtree (`PUT /data/settings/...`)."""

    objectPath: AnyPath = Field(description="The object whose setting changed")
    objectId: ObjectId
    jobId: JobId
    bulkId: BulkId
    jobKind: Literal["settings"]
    status: Literal["succeeded"]
    summary: SettingsSummary
    before: NoValue
    after: NoValue


class JobFailedToStart(Strict):
    """A crawl could not even list its scope's databases and schemas, or a settings job's object was deleted
    before it ran; nothing was changed."""

    objectPath: AnyPath = Field(description="The job's scope")
    objectId: None
    jobId: JobId
    bulkId: BulkId
    jobKind: Literal["crawl", "settings"]
    status: Literal["failed"]
    error: str
    before: NoValue
    after: NoValue


class JobFinishedEvent(CloudEvent):
    """A job closed (once per job; `jobKind` tells a crawl from a settings propagation): succeeded, partial or
    failed, with its counts, or the reason it could not run."""

    type: Literal["objectsync.job.finished"]
    data: JobCompleted | SettingsJobCompleted | JobFailedToStart


class Held(Strict):
    message: str
    wouldDelete: list[str] = Field(max_length=100, description="Names that would have been marked deleted "
                                                               "(the first 100, sorted)")
    wouldDeleteCount: int = Field(ge=1)
    present: int = Field(description="Objects of that kind present in the scope before this crawl")
    threshold: float = Field(description="The share that may be marked deleted at once")
    minimum: int = Field(ge=1, description="The fewest deletions the guard holds; fewer are always applied")
    objectId: ObjectId = Field(description="The held scope's object: the schema, or the connection")
    jobId: JobId
    bulkId: BulkId
    before: NoValue
    after: NoValue


class TablesHeld(Held):
    """Tables and views of one schema; `wouldDelete` holds table names."""

    objectPath: SchemaPath


class ContainersHeld(Held):
    """Databases or schemas of a connection; `wouldDelete` holds `database` or `database/schema` paths
    (percent-encoded segments, as object paths are written)."""

    objectPath: ConnectionPath
    kind: ContainerKind


class SyncGuardTrippedEvent(CloudEvent):
    """A crawl would have marked at least the minimum count (default 2) and more than the threshold (default
    50 %) of a scope's objects deleted remotely: those deletions were held (everything else the crawl found was
    applied) and the job ends `partial`. Crawl again with allowMassDeletion (CLI: --allow-mass-deletion) to
    apply them. Reported by every held crawl (a redelivery of the same crawl repeats its event id)."""

    type: Literal["objectsync.sync.guard_tripped"]
    data: TablesHeld | ContainersHeld
