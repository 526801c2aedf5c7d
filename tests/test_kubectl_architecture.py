"""The embedded kubectl's shape (issue #14): it reaches the cluster only through API requests, its package is flat
and acyclic (type-only and function-level imports count), and no module hides an import at its bottom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kubeteach" / "kubectl"
MODULES = {p.stem: ast.parse(p.read_text(), str(p)) for p in sorted(PACKAGE.glob("*.py"))}
#: what only the API server may touch: the store, etcd, and the registry that reads it
FORBIDDEN_MODULES = ("kubeteach.etcd", "kubeteach.etcd_remote", "kubeteach.apiserver.registry")
FORBIDDEN_ATTRIBUTES = ("storage", "etcd", "access_review")


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The absolute names an import statement in kubeteach/kubectl/ brings in: a module, or `package.name` for
    each name of a `from package import name` (a submodule or an attribute, as it happens)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    package = ["kubeteach", "kubectl"]
    source = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") if node.level \
        else node.module or ""
    return [f"{source}.{a.name}" for a in node.names]


def _imports(module: str) -> list[str]:
    return [name for node in ast.walk(MODULES[module]) if isinstance(node, ast.Import | ast.ImportFrom)
            for name in _imported(node)]


def _sibling_edges() -> dict[str, set[str]]:
    """kubectl module → the kubectl modules it imports, anywhere in the file (TYPE_CHECKING blocks included); a
    name imported from the package itself (`from . import Args`) is an edge to __init__."""
    edges: dict[str, set[str]] = {}
    for module in MODULES:
        targets = set()
        for name in _imports(module):
            parts = name.split(".")
            if parts[:2] == ["kubeteach", "kubectl"]:
                targets.add(parts[2] if len(parts) > 2 and parts[2] in MODULES else "__init__")
        edges[module] = targets - {module}
    return edges


def test_kubectl_never_touches_the_store():
    """Every read and write is an API request: no kubectl module imports etcd or the registry, nor reaches for
    `api.storage`, `cluster.etcd` or a side entrance like `api.access_review`."""
    for module, tree in MODULES.items():
        imported = _imports(module)
        assert not [n for n in imported if n.startswith(FORBIDDEN_MODULES)], module
        touched = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not touched & set(FORBIDDEN_ATTRIBUTES), (module, touched & set(FORBIDDEN_ATTRIBUTES))


def test_kubectl_modules_import_no_cycle():
    edges = _sibling_edges()
    assert edges["commands"] >= {"get", "describe", "rbac", "context"}      # the graph is really read
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])


def test_kubectl_imports_sit_at_the_top():
    """No import after the first definition (the old dodge of a circular import), and none inside a function."""
    for module, tree in MODULES.items():
        first_def = next((n.lineno for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)), None)
        late = [n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
                and first_def is not None and n.lineno > first_def]
        assert not late, (module, late)
        nested = [n.lineno for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                  for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not nested, (module, nested)


def test_kubectl_files_stay_readable():
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 500, path.name
