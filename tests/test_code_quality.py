"""The project's own rules as tests: the layer contracts, the linter and the type checker stay clean."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_PACKAGES = ("domain", "connectors", "settings", "models", "catalog", "services", "workers", "tasks", "api",
                       "console", "cli")


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



def package_of(module: str) -> str:
    """A package stands for itself; a plain module for the package that holds it."""
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.submodule_search_locations is not None:
        return module
    return module.rsplit(".", 1)[0]


def package_imports(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Package → the other packages its modules import directly (imports inside functions included)."""
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        importer = package_of(module)
        for imported in graph.find_modules_directly_imported_by(module):
            target = package_of(imported)
            if target != importer:
                edges.setdefault(importer, set()).add(target)
    return edges


def import_circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(package: str) -> None:
        index[package] = low[package] = len(index)
        stack.append(package)
        on_stack.add(package)
        for target in sorted(edges.get(package, ())):
            if target not in index:
                visit(target)
                low[package] = min(low[package], low[target])
            elif target in on_stack:
                low[package] = min(low[package], index[target])
        if low[package] == index[package]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == package:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for package in sorted(set(edges) | {target for targets in edges.values() for target in targets}):
        if package not in index:
            visit(package)
    return circles


def test_import_circle_finder_sees_a_circle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_circles(edges) == [["a", "b", "c"]]
    assert import_circles({"a": {"b"}, "b": {"c"}}) == []


def test_no_two_production_packages_import_each_other() -> None:
    """Not directly, not around a circle, at any depth of subpackage, counting imports inside functions."""
    graph = grimp.build_graph(*PRODUCTION_PACKAGES, include_external_packages=False)
    circles = import_circles(package_imports(graph))
    print("import circles:", circles or "none")
    assert (circles or "none") == "none"
