"""The channels package imports without loops, and the sender knows nothing of the inbox.

The graph is read from the source (every ``import`` in channels/*.py, late ones
inside functions included, ``if TYPE_CHECKING:`` blocks left out), so a loop
hidden behind a late import fails here too. Run it alone with
``.venv-apps/bin/python -m pytest tests/channels/test_import_graph.py -q``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "channels"


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """The channels modules ``tree`` imports (``from channels import x`` names module x)."""
    found: set[str] = set()
    pending = [tree]
    while pending:
        node = pending.pop()
        if _is_type_checking(node):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & modules
            if submodules:
                found |= submodules
            elif node.module in modules:
                found.add(node.module)
        pending.extend(ast.iter_child_nodes(node))
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """``{module: modules of the package it imports}`` for every module of ``package``."""
    names = {
        path: package.name if path.stem == "__init__" else f"{package.name}.{path.stem}"
        for path in package.glob("*.py")
    }
    modules = set(names.values())
    return {
        name: _imports(ast.parse(path.read_text(), str(path)), modules) - {name}
        for path, name in names.items()
    }


def find_loop(graph: dict[str, set[str]]) -> list[str]:
    """One import loop as ``[a, b, …, a]``, or ``[]`` when there is none."""
    state: dict[str, str] = {}  # "open" while on the current path, then "closed"
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state and (loop := visit(target)):
                return loop
        path.pop()
        state[module] = "closed"
        return []

    for module in sorted(graph):
        if module not in state and (loop := visit(module)):
            return loop
    return []


def test_find_loop_reports_a_loop_it_is_given():
    graph = {"channels.a": {"channels.b"}, "channels.b": {"channels.c"},
             "channels.c": {"channels.a"}}
    assert find_loop(graph) == ["channels.a", "channels.b", "channels.c", "channels.a"]


def test_the_graph_sees_late_imports_and_skips_type_checking_blocks():
    graph = import_graph()
    assert "channels.outbound" in graph["channels"]  # imported inside _base_app
    assert "channels.inbox" not in graph["channels"]  # only under TYPE_CHECKING


def test_the_channels_package_has_no_import_loop():
    assert find_loop(import_graph()) == []


def test_the_sender_imports_nothing_of_the_inbox_or_the_webhooks():
    assert import_graph()["channels.outbound"] & {
        "channels.inbox", "channels.retry", "channels.sms", "channels.voice",
        "channels.webchat", "channels.telegram", "channels.messenger", "channels.internal",
    } == set()
