"""No import loops anywhere in the tree (bot/, channels/, casestore/, bench/).

The module graph is built from the source with `ast`, not by importing it: every
`import` and `from ... import` counts, at module level and inside functions (a late
import only hides a loop until the function runs), except those under
`if TYPE_CHECKING:`, which never run. An edge goes to the deepest module of the tree
the statement names (`from casestore import cases` is an edge to casestore.cases, not
to casestore/__init__.py). Tarjan's algorithm finds the strongly connected
components; each one with more than one module, or a module importing itself, is a
loop, and the failure names its modules and the lines that tie them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("bot", "channels", "casestore", "bench")
SKIP_PARTS = {"__pycache__", "versions"}


def module_name(path: Path) -> str:
    """Dotted module name of a source file relative to the repository root."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(folders: tuple[str, ...] = FOLDERS) -> dict[str, Path]:
    """Every Python module of the folders, by dotted name."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if SKIP_PARTS.intersection(path.relative_to(REPO_ROOT).parts):
                continue
            found[module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    """True for `if TYPE_CHECKING:` and `if typing.TYPE_CHECKING:`."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements anywhere under node, skipping `if TYPE_CHECKING:` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            # The else branch runs; the body never does.
            for other in child.orelse:
                yield from _imports_of(other)
            continue
        yield from _imports_of(child)


def _imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def _deepest_known(name: str, known: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the tree."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def import_edges(known: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {imported module of the tree: first line importing it}."""
    graph: dict[str, dict[str, int]] = {name: {} for name in known}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for stmt in _imports(tree):
            targets: list[str] = []
            if isinstance(stmt, ast.Import):
                targets = [alias.name for alias in stmt.names]
            else:
                base = stmt.module or ""
                if stmt.level:
                    package = _package_of(module, path).split(".")
                    package = package[: len(package) - (stmt.level - 1)]
                    base = ".".join(package + ([base] if base else []))
                # `from pkg import sub` names the submodule when there is one,
                # else a name defined in pkg itself.
                for alias in stmt.names:
                    sub = f"{base}.{alias.name}" if base else alias.name
                    targets.append(sub if sub in known else base)
            for target in targets:
                resolved = _deepest_known(target, known)
                if resolved is not None:
                    graph[module].setdefault(resolved, stmt.lineno)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative, so depth is no limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def import_loops(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every loop: components of two or more modules, and modules importing themselves."""
    return sorted(
        component
        for component in strongly_connected(graph)
        if len(component) > 1 or component[0] in graph[component[0]]
    )


def describe(loop: list[str], graph: dict[str, dict[str, int]], known: dict[str, Path]) -> str:
    """One loop as its modules and the import lines inside it."""
    members = set(loop)
    lines = [f"loop of {len(loop)} modules: {', '.join(loop)}"]
    for module in loop:
        rel = known[module].relative_to(REPO_ROOT)
        for target, lineno in sorted(graph[module].items()):
            if target in members:
                lines.append(f"  {rel}:{lineno} imports {target}")
    return "\n".join(lines)


def loops_in(folder: str) -> list[str]:
    """Descriptions of the loops whose modules are in one folder."""
    known = source_files()
    graph = import_edges(known)
    return [
        describe(loop, graph, known)
        for loop in import_loops(graph)
        if any(module.split(".")[0] == folder for module in loop)
    ]


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_folder_has_no_import_loop(folder: str) -> None:
    found = loops_in(folder)
    assert not found, "\n\n".join(found)


def _graph_of(sources: dict[str, str], tmp_path: Path) -> tuple[dict, dict]:
    for rel, text in sources.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    known = {}
    for path in sorted(tmp_path.rglob("*.py")):
        parts = list(path.relative_to(tmp_path).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        known[".".join(parts)] = path
    return known, import_edges(known)


def test_a_late_import_in_a_function_closes_a_loop(tmp_path: Path) -> None:
    known, graph = _graph_of({
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": "def thing():\n    from pkg import a\n    return a\n",
    }, tmp_path)
    assert import_loops(graph) == [["pkg.a", "pkg.b"]]


def test_relative_imports_resolve_against_the_package(tmp_path: Path) -> None:
    known, graph = _graph_of({
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from . import x\n",
        "pkg/sub/x.py": "from ..y import f\n",
        "pkg/y.py": "from pkg.sub import g\n",
    }, tmp_path)
    assert graph["pkg.sub.x"] == {"pkg.y": 1}
    assert import_loops(graph) == [["pkg.sub", "pkg.sub.x", "pkg.y"]]


def test_type_checking_imports_do_not_count(tmp_path: Path) -> None:
    known, graph = _graph_of({
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from pkg.a import Thing\n"
            "def thing():\n    return 1\n"
        ),
    }, tmp_path)
    assert import_loops(graph) == []


def test_a_chain_without_a_way_back_is_no_loop(tmp_path: Path) -> None:
    known, graph = _graph_of({
        "pkg/__init__.py": "from pkg.a import f\n",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "import json\n",
    }, tmp_path)
    assert import_loops(graph) == []
