"""The project's own rules as tests: the layer contracts, the linter and the type checker stay clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_import_contracts_are_kept() -> None:
    """Dependencies run one way (pyproject.toml [tool.importlinter]); imports inside functions count too."""
    lint_imports = Path(sys.executable).with_name("lint-imports")  # the script installed beside this Python
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", ".", "--output-format", "concise")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_mypy_finds_nothing() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
