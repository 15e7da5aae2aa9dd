"""Why a crawl read nothing: its path is excluded by a filter, is not on the platform, or is disabled (and by which
object), or its scope holds no schema to read. Shown with the job (API, CLI, job.finished)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.name_filters import ConnectionFilters
from domain.paths import format_path
from domain.snapshot import RemoteHierarchy
from domain.status import DISABLED, ENABLED

FILTERED, NOT_FOUND, DISABLED_REASON, EMPTY = "filtered", "not_found", "disabled", "empty"
_LEVELS = ("database", "schema", "table")
_INCLUDE_DISABLED = "crawl with --include-disabled (API: forceRecursiveCrawl) to read it anyway"


@dataclass(frozen=True, slots=True)
class PathStatus:
    """A stored object on the crawl's path with its own status setting and the status it ends up with."""

    path: tuple[str, ...]
    status_setting: str
    effective_status: str


@dataclass(frozen=True, slots=True)
class NothingCrawled:
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "message": self.message}


def path_filtered(scope: Sequence[str], filters: ConnectionFilters) -> NothingCrawled | None:
    """The first segment of the path the connection's filters drop, and the pattern that drops it."""
    for level, name, name_filter in zip(_LEVELS, scope[1:], (filters.databases, filters.schemas, filters.tables),
                                        strict=False):
        dropped = name_filter.dropped_by(name)
        if dropped is not None:
            return NothingCrawled(FILTERED, f"{level} {name!r} is excluded by the connection's filters: "
                                            f"filters.{level}s {dropped}")
    return None


def path_not_on_platform(scope: Sequence[str], remote: RemoteHierarchy) -> NothingCrawled | None:
    """A database or schema of the path the platform's listing does not show (tables are read by their subtask)."""
    if len(scope) < 2 or scope[1] in remote.failed_databases:
        return None
    schemas = remote.databases.get(scope[1])
    if schemas is None:
        return NothingCrawled(NOT_FOUND, f"database {scope[1]!r} is not on the platform (or these credentials "
                                         "cannot see it)")
    if len(scope) > 2 and scope[2] not in schemas:
        return NothingCrawled(NOT_FOUND, f"schema {scope[2]!r} is not in database {scope[1]!r} on the platform (or "
                                         "these credentials cannot see it)")
    return None


def path_disabled(scope: Sequence[str], stored: Sequence[PathStatus]) -> NothingCrawled | None:
    """The path's deepest stored object is disabled: by its own setting, or inherited from the nearest ancestor set
    disabled."""
    on_path = [s for s in stored if s.path == tuple(scope[: len(s.path)])]
    target = max(on_path, key=lambda s: len(s.path), default=None)
    if target is None or target.effective_status == ENABLED:
        return None
    shown = format_path(target.path)
    setter = next((s for s in sorted(stored, key=lambda s: -len(s.path)) if len(s.path) <= len(target.path)
                   and s.status_setting == DISABLED), None)
    if setter is None:
        how = "no object on its path is enabled (new objects start disabled)"
    elif setter.path == target.path:
        how = "set disabled on itself"
    else:
        how = f"inherited from {format_path(setter.path)!r}, which is set disabled"
    return NothingCrawled(DISABLED_REASON, f"{shown!r} is disabled ({how}); {_INCLUDE_DISABLED}")


def why_nothing_crawled(scope: Sequence[str], filters: ConnectionFilters, remote: RemoteHierarchy,
                        stored: Sequence[PathStatus], *, include_disabled: bool,
                        schemas_on_platform: int) -> NothingCrawled:
    """Why planning found no schema to read in `scope`; `remote` is the listing before the filters."""
    found = path_filtered(scope, filters) or path_not_on_platform(scope, remote)
    if found is None and not include_disabled:
        found = path_disabled(scope, stored)
    if found is not None:
        return found
    if schemas_on_platform == 0:
        return NothingCrawled(EMPTY, f"{format_path(tuple(scope))!r} holds no schema on the platform that the "
                                     "connection's filters keep")
    return NothingCrawled(DISABLED_REASON, f"all {schemas_on_platform} schema(s) in {format_path(tuple(scope))!r} "
                                           f"are disabled; enable them, or {_INCLUDE_DISABLED}")
