"""`objectsync token create` and `objectsync api` as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def objectsync(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], check=False, cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=60, **kwargs)


def test_token_create_and_api_serve(catalog: None, redis_env: str) -> None:
    created = objectsync("token", "create", "--user", "ops", "--admin")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("osk_") and len(token) > 40

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "api", "--port", str(port), "--log-level", "warning"],
                              cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "objectsync api did not start"
                time.sleep(0.1)
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        users = httpx.get(f"http://127.0.0.1:{port}/users", headers={"Authorization": f"Bearer {token}"})
        assert users.status_code == 200
        listed = [(u["name"], u["permissions"]) for u in users.json()["items"]]
        assert listed == [("ops", ["APPLICATION_ADMIN", "GOVERNANCE"])]
        assert httpx.get(f"http://127.0.0.1:{port}/users").status_code == 401
    finally:
        server.terminate()
        server.wait(10)
