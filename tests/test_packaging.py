"""What is shipped: the license, the connector extras, the pinned constraints every install uses, the image (its
HEALTHCHECK, no benchmark inside) and the compose services' own health checks, beat's run for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.cli.test_cli import start, stop, wait_for_output

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def distribution(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_declared_license_ships_as_a_file() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "LICENSE" in re.search(r"^COPY .*$", DOCKERFILE, re.M).group(0)  # type: ignore[union-attr]


def test_connector_sdks_are_extras_and_all_takes_every_one() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    core = {distribution(r) for r in PYPROJECT["project"]["dependencies"]}
    sdks = {"snowflake": "snowflake-connector-python", "databricks": "databricks-sdk", "sqlserver": "pyodbc"}
    for extra, sdk in sdks.items():
        assert [distribution(r) for r in extras[extra]] == [sdk]
        assert sdk not in core, f"{sdk} is installed by every install"
    assert extras["all"] == ["objectsync[snowflake,databricks,sqlserver]"]


def test_every_install_uses_the_constraints_file() -> None:
    pinned = {distribution(line): line for line in (ROOT / "constraints.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    assert all("==" in line for line in pinned.values())
    wanted = PYPROJECT["project"]["dependencies"] + [r for name, rs in PYPROJECT["project"]["optional-dependencies"]
                                                     .items() if name != "all" for r in rs if "objectsync" not in r]
    assert sorted({distribution(r) for r in wanted} - set(pinned)) == []
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^RUN pip install -c constraints\.txt ", DOCKERFILE, re.M)


def test_the_image_has_a_healthcheck_that_passes_and_no_benchmark() -> None:
    check = re.search(r'^HEALTHCHECK .*\n\s*CMD \[(.*)\]$', DOCKERFILE, re.M)
    assert check is not None
    command = [part.strip().strip('"') for part in check.group(1).split('", "')]
    assert command[0] == "python"
    assert subprocess.run([sys.executable, *command[1:]], cwd=ROOT, timeout=120).returncode == 0
    copied = re.findall(r"^COPY (.*)$", DOCKERFILE, re.M)
    assert copied and not any(re.search(r"\b(bench|tests)\b", line) for line in copied)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"bench", "tests"} <= set(ignored)


def test_each_service_has_a_healthcheck_and_flower_is_optional() -> None:
    services = COMPOSE["services"]
    for name in ("postgres", "redis", "worker", "beat", "api"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert services["flower"]["profiles"] == ["monitoring"]


@pytest.mark.usefixtures("catalog", "redis_env")
def test_the_beat_healthcheck_fails_without_beat_and_passes_while_it_ticks(tmp_path: Path) -> None:
    check = COMPOSE["services"]["beat"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "python"]
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "OBJECTSYNC_HOME": str(home / ".objectsync"),
           "OBJECTSYNC_REDIS_KEY_PREFIX": f"objectsync-beat-{os.getpid()}:"}

    def healthy() -> bool:
        return subprocess.run([sys.executable, *check[2:]], env=env, timeout=30).returncode == 0

    assert not healthy(), "no schedule file: beat never ran"
    beat = start(["beat"], env, tmp_path / "beat.log")
    try:
        wait_for_output(tmp_path / "beat.log", "Sending due task relay-change-events", beat)
        assert healthy()
    finally:
        stop(beat)
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        for key in client.scan_iter(match=f"{env['OBJECTSYNC_REDIS_KEY_PREFIX']}*"):
            client.delete(key)
