"""The api/ modules import each other one way only (no pair, no ring), counting imports made
for type checking too: a reader can take them in order, bottom to top."""

from __future__ import annotations

import ast
from pathlib import Path

import airbyte_cloud_dagster.api as api_package

API_DIR = Path(api_package.__file__).parent
PREFIX = "airbyte_cloud_dagster.api"


def _module_name(path: Path) -> str:
    parts = path.relative_to(API_DIR).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PREFIX, *parts))


def _api_imports() -> dict[str, set[str]]:
    """Module -> the api modules it imports (packages' __init__ re-exports left out)."""
    modules = {_module_name(path): path for path in API_DIR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        if path.name == "__init__.py":
            continue  # a package's facade re-exports what is below it
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        graph[name] = {m for m in imported if m.startswith(PREFIX + ".") and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        # Importing a package's facade means importing what it re-exports from below.
        for target in sorted(graph.get(node, ())):
            targets = [t for t in graph if t.startswith(target + ".")] or [target]
            for module in targets:
                if state.get(module) == "open":
                    return [*stack[stack.index(module) :], module]
                if module not in state and (found := visit(module)):
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_api_modules_import_each_other_one_way_only():
    graph = _api_imports()
    assert f"{PREFIX}.transport" in graph and f"{PREFIX}.auth" in graph

    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_error_tree_imports_nothing_else_from_the_client():
    assert _api_imports()[f"{PREFIX}.errors"] == set()
