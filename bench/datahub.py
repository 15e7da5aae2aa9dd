"""DataHub's postgres source with a file sink, run from its own virtualenv on the benchmark's source database."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


def datahub_cli(venv: Path) -> Path:
    cli = venv / "bin" / "datahub"
    if not cli.exists():
        raise FileNotFoundError(f"{cli} not found: install acryl-datahub[postgres] into {venv}")
    return cli


def run_datahub(venv: Path, source_url: str, schemas: list[str]) -> float:
    """Seconds for `datahub ingest` of the schemas (no profiling, no lineage) into a JSON file."""
    parts = urlsplit(source_url)
    with tempfile.TemporaryDirectory(prefix="objectsync-bench-datahub-") as scratch:
        recipe = {
            "source": {"type": "postgres", "config": {
                "host_port": f"{parts.hostname}:{parts.port or 5432}", "database": parts.path.lstrip("/"),
                "username": parts.username or "postgres", "password": parts.password or "",
                "schema_pattern": {"allow": [f"^{s}$" for s in schemas]},
                "include_views": True, "include_tables": True,
                "profiling": {"enabled": False}, "include_view_lineage": False,
            }},
            "sink": {"type": "file", "config": {"filename": str(Path(scratch) / "out.json")}},
        }
        recipe_path = Path(scratch) / "recipe.json"
        recipe_path.write_text(json.dumps(recipe))
        started = time.perf_counter()
        done = subprocess.run([str(datahub_cli(venv)), "ingest", "-c", str(recipe_path)],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"datahub ingest failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
        return seconds
