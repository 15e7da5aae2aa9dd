"""Running `objectsync` as a user does: a real subprocess of this checkout, with this process's environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def objectsync(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env or dict(os.environ), input=stdin,
        capture_output=True, text=True, timeout=timeout,
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], message: str, exit_code: int) -> None:
    """One line on stderr naming the problem, the exit code of its kind, and no traceback."""
    assert result.returncode == exit_code, result
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
