"""Name-range batches of a large schema: the ranges cover every name once, the guard counts the whole schema."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.schema_batches import Batch, TableRange, name_ranges, plan_batches
from domain.status import DISABLED, ENABLED, RemoteState
from domain.stored_state import StoredTable


def stored(name: str, status: str = ENABLED, state: str = RemoteState.PRESENT) -> StoredTable:
    return StoredTable(id=hash(name) & 0xFFFF, name=name, kind="table", status_setting="inherit",
                       effective_status=status, remote_state=state)


def test_a_small_schema_is_one_open_range() -> None:
    assert name_ranges(["a", "b"], 2) == [TableRange()]


def test_ranges_split_the_listed_names_in_equal_shares() -> None:
    names = [f"t{i:02d}" for i in range(10)]
    ranges = name_ranges(names, 4)
    assert ranges == [TableRange(None, "t03"), TableRange("t03", "t06"), TableRange("t06", None)]
    assert [sum(r.holds(n) for n in names) for r in ranges] == [3, 3, 4]


def test_batches_come_in_whole_rounds_staggered_for_the_parallel_processes() -> None:
    """Two processes take 10,000 tables at 2,000 as six batches' worth in three rounds: half a batch first, so they
    stay half a batch apart, and half a batch last, so they finish together."""
    names = [f"t{i:05d}" for i in range(10_000)]
    sizes = [sum(r.holds(n) for n in names) for r in name_ranges(names, 2_000, parallelism=2)]
    assert sizes == [833, 1_667, 1_666, 1_667, 1_667, 1_666, 834]
    assert [sum(r.holds(n) for n in names) for r in name_ranges(names, 2_000)] == [2_000] * 5  # one process
    assert [sum(r.holds(n) for n in names[:2_001]) for r in name_ranges(names[:2_001], 2_000, parallelism=3)] == [
        222, 445, 667, 444, 223]  # thirds of a batch up, then down
    assert name_ranges(names[:3], 2, parallelism=8) == [TableRange(None, "t00001"), TableRange("t00001", "t00002"),
                                                        TableRange("t00002", None)]  # never more ranges than names


@given(st.lists(st.text(min_size=1, max_size=6), max_size=60), st.integers(min_value=1, max_value=9),
       st.integers(min_value=1, max_value=5), st.text(max_size=6))
def test_every_name_falls_in_exactly_one_range(names: list[str], per_batch: int, parallelism: int,
                                               other: str) -> None:
    """Listed or not (a table created after the listing): each batch's read is complete for its own range."""
    ranges = name_ranges(names, per_batch, parallelism)
    for name in [*names, other]:
        assert sum(r.holds(name) for r in ranges) == 1
    assert len(ranges) == 1 or all(sum(r.holds(n) for n in set(names)) <= per_batch for r in ranges)


def test_the_guard_counts_cover_the_whole_schema() -> None:
    tables = {n: stored(n) for n in ("a", "b", "c", "d")}
    tables["e"] = stored("e", status=DISABLED)
    tables["f"] = stored("f", state=RemoteState.DELETED)
    batches = plan_batches(["a", "b", "x", "y"], tables, 2, include_disabled=False)
    assert len(batches) == 2  # a–b, x–y
    assert {(b.schema_vanished, b.schema_present) for b in batches} == {(2, 4)}  # c, d gone of a–d
    assert plan_batches(["a", "b", "x", "y"], tables, 2, include_disabled=True)[0].schema_present == 5
    assert plan_batches(["a"], tables, 2, include_disabled=False) == []  # small enough: no batches
    assert Batch.from_dict(batches[1].as_dict()) == batches[1]


def test_a_partition_in_flight_is_kept_whatever_the_listing() -> None:
    from domain.schema_batches import TableRange, plan_batches

    in_flight = [TableRange(None, "m"), TableRange("m", None)]
    batches = plan_batches([f"t{i}" for i in range(10)], {}, 3, include_disabled=False, in_flight=in_flight)
    assert [b.range for b in batches] == in_flight
    assert plan_batches(["a", "b"], {}, 3, include_disabled=False, in_flight=in_flight) == []  # small now: whole
