"""`objectsync demo` end to end on a bare machine: embedded PostgreSQL and Redis, a real worker, twice in a row."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "demo/objectsync_demo_source"

#: What the second sync must report, one line per change the demo makes to the source.
EXPECTED_CHANGES = (
    f"object.deleted_remotely  {SOURCE}/Marketing/legacy_contacts  status enabled → disabled",
    f"column.type_changed      {SOURCE}/sales/Order Items  quantity: dataType integer → numeric(10,2)",
    f"column.added             {SOURCE}/sales/customers  loyalty_tier: added ordinal=5, dataType=text",
)


def embedded_env(home: Path) -> dict[str, str]:
    """The environment of a machine with no servers configured (nothing from the test session leaks in)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("OBJECTSYNC_")}
    return {**env, "OBJECTSYNC_HOME": str(home)}


def run_demo(home: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "cli.main", "demo"], cwd=ROOT, env=embedded_env(home),
                            capture_output=True, text=True, timeout=240)
    return result, time.monotonic() - started


def second_sync(output: str) -> str:
    return output.split("3. Second sync", 1)[1]


def processes_using(home: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(home) in cmdline:
            found.append(cmdline)
    return found


@pytest.mark.timeout(600)
def test_demo_runs_on_embedded_servers_and_reruns_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first, first_seconds = run_demo(home)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr

    first_sync = first.stdout.split("2. The source changes", 1)[0]
    assert first_sync.count("succeeded: 3 of 3 schemas succeeded") == 1
    # the payload's fields in the order the diff wrote them
    order_items = (f"object.created           {SOURCE}/sales/Order Items  kind=table, remoteKind=BASE TABLE, "
                   "status=enabled, columns=")
    assert order_items in first_sync and "owner=postgres" in first_sync.split(order_items, 1)[1].split("\n", 1)[0]
    assert f"object.created           {SOURCE}/sales/order_totals  kind=view" in first_sync
    assert "objectsync_demo_source/" in first_sync and "demo/objectsync/" not in first_sync, \
        "the catalog database is internal and never ingested"

    changes = second_sync(first.stdout)
    assert "change events (3):" in changes
    for line in EXPECTED_CHANGES:
        assert line in changes, changes

    key = home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip() not in first.stdout + first.stderr
    assert processes_using(home) == [], "the worker and embedded servers stop when the demo ends"

    again, again_seconds = run_demo(home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("change events (11):") == 1, "a re-run starts over with a fresh source and connection"
    assert "change events (3):" in second_sync(again.stdout)
    for line in EXPECTED_CHANGES:
        assert line in second_sync(again.stdout)
    print(f"demo wall time: first run {first_seconds:.1f}s (includes initdb), re-run {again_seconds:.1f}s")

