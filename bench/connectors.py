"""Connector read benchmark: one schema of N tables × M columns in every available double, read_schema timed.

    python -m bench.connectors [--tables 1000] [--columns 10] [--repeat 3] [--only postgresql mysql …]

Doubles come from tests.conformance.doubles.DOUBLE_FACTORIES, so a platform added there is benchmarked too.
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from tests.conformance.doubles import DOUBLE_FACTORIES, LOGICAL_TYPES, DoubleUnavailable, SourceDouble


@dataclass(frozen=True, slots=True)
class Result:
    double: str
    build_seconds: float
    first_read_seconds: float  # includes opening the remote session
    best_read_seconds: float  # on the reused session
    tables_read: int
    columns_read: int


def table_specs(tables: int, columns: int) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (f"t{t:05d}", [(f"c{c:03d}", LOGICAL_TYPES[c % len(LOGICAL_TYPES)]) for c in range(columns)])
        for t in range(tables)
    ]


def build(double: SourceDouble, schema: str, specs: list[tuple[str, list[tuple[str, str]]]]) -> None:
    double.create_schema(schema)
    bulk = getattr(double, "create_tables", None)
    if bulk is not None:
        bulk(schema, specs)
        return
    for name, columns in specs:
        double.create_table(schema, name, columns)


def run_one(name: str, tables: int, columns: int, repeat: int) -> Result:
    double = DOUBLE_FACTORIES[name]()
    try:
        schema = f"objectsync_bench_{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        build(double, schema, table_specs(tables, columns))
        build_seconds = time.perf_counter() - started
        timings = []
        with double.connector() as connector:  # the first read opens the session; workers then reuse it
            for _ in range(1 + repeat):
                started = time.perf_counter()
                snapshot = connector.read_schema(double.database, schema)
                timings.append(time.perf_counter() - started)
        return Result(name, build_seconds, timings[0], min(timings[1:]), len(snapshot.tables),
                      sum(len(t.columns) for t in snapshot.tables))
    finally:
        double.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="*", choices=sorted(DOUBLE_FACTORIES), default=sorted(DOUBLE_FACTORIES))
    args = parser.parse_args(argv)
    console = Console()
    report = Table(title=f"read_schema of {args.tables} tables × {args.columns} columns (seconds)")
    for heading in ("connector", "build", "first read", f"warm, best of {args.repeat}", "tables", "columns"):
        report.add_column(heading, justify="left" if heading == "connector" else "right")
    for name in args.only:
        try:
            result = run_one(name, args.tables, args.columns, args.repeat)
        except DoubleUnavailable as error:
            report.add_row(name, "-", "-", "-", "-", f"unavailable: {error}")
            continue
        complete = result.tables_read == args.tables and result.columns_read == args.tables * args.columns
        report.add_row(name, f"{result.build_seconds:.2f}", f"{result.first_read_seconds:.3f}",
                       f"{result.best_read_seconds:.3f}", str(result.tables_read),
                       str(result.columns_read) + ("" if complete else " (INCOMPLETE)"))
    console.print(report)


if __name__ == "__main__":
    main()
