"""A large schema crawled as name-range batches: where the ranges fall, and what the guard counts over.

Ranges follow code-point order (Python's `str` order, PostgreSQL's "C" collation) and together cover every
possible name, so each batch's read is complete for its own range and deletion detection stays exact. The
mass-deletion guard is counted over the whole schema, from the listing taken when the batches were planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from domain.status import ENABLED, RemoteState
from domain.stored_state import StoredTable


@dataclass(frozen=True, slots=True)
class TableRange:
    """Names `start` <= name < `stop`; None leaves that end open."""

    start: str | None = None
    stop: str | None = None

    def holds(self, name: str) -> bool:
        return (self.start is None or name >= self.start) and (self.stop is None or name < self.stop)


@dataclass(frozen=True, slots=True)
class Batch:
    """One subtask's share of a schema, and the schema-wide counts its guard uses."""

    range: TableRange
    schema_vanished: int  # stored tables in scope that the planning listing no longer had
    schema_present: int  # stored tables in scope, present, the guard's denominator

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.range.start, "stop": self.range.stop, "schemaVanished": self.schema_vanished,
                "schemaPresent": self.schema_present}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Batch:
        return cls(TableRange(value.get("start"), value.get("stop")), int(value["schemaVanished"]),
                   int(value["schemaPresent"]))


def name_ranges(names: Iterable[str], tables_per_batch: int, parallelism: int = 1) -> list[TableRange]:
    """Ranges of at most `tables_per_batch` listed names, in whole rounds of `parallelism` batches (the processes
    expected to take them side by side, in this order); one open range when the schema is small enough.

    With p processes the first p - 1 ranges hold 1/p, 2/p, ... of a full batch and the last p - 1 mirror them:
    the processes work a fraction of a batch apart (one reads the platform while another writes the catalog,
    which contend less than two doing the same) and still finish together, none left with a batch alone.
    """
    ordered = sorted(set(names))
    if len(ordered) <= tables_per_batch:
        return [TableRange()]
    p = parallelism
    count = -(-len(ordered) // (tables_per_batch * p)) * p  # full batches, in whole rounds
    ramp = list(range(1, p))
    sizes = [*ramp, *[p] * (count - p + 1), *reversed(ramp)]  # in p-ths of a full batch, summing to count * p
    cuts = {len(ordered) * done // (count * p) for done in accumulate(sizes[:-1])}
    bounds = [ordered[i] for i in sorted(cuts) if 0 < i < len(ordered)]  # a tiny schema repeats cuts
    return [TableRange(start, stop) for start, stop in zip([None, *bounds], [*bounds, None], strict=True)]


def plan_batches(remote_names: Sequence[str], stored: Mapping[str, StoredTable], tables_per_batch: int, *,
                 include_disabled: bool, in_flight: Sequence[TableRange] = (), parallelism: int = 1) -> list[Batch]:
    """The batches of one schema; the guard's counts follow the diff's own scope rule (enabled tables, or all
    when disabled ones are included; present ones only). `in_flight`: the partition of the batches another job
    still has to apply, kept so that no two ranges in flight overlap."""
    if len(set(remote_names)) <= tables_per_batch:
        return []
    ranges = list(in_flight) or name_ranges(remote_names, tables_per_batch, parallelism)
    if len(ranges) == 1:
        return []
    listed = set(remote_names)
    present = [t for t in stored.values() if t.remote_state == RemoteState.PRESENT
               and (include_disabled or t.effective_status == ENABLED)]
    vanished = sum(1 for t in present if t.name not in listed)
    return [Batch(r, vanished, len(present)) for r in ranges]
