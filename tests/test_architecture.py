"""The backend's apps depend on each other in one direction only, read from the code itself.

The layers contract in pyproject.toml says where each app belongs. These tests hold whatever
the layers are: no app reaches itself again through the apps it imports, so every app can be
read, tested and changed from the bottom up; and common, the bottom, imports no app at all.
Imports inside functions count: hiding an import there does not take it out of the graph.
"""

import itertools
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping

import grimp
import pytest

ROOT = "backend"
BOTTOM = "backend.common"
# Enough to recognise an edge; the rest are more of the same.
SHOWN_PER_EDGE = 3

Edge = tuple[str, str]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # No cache directory: a test run should not leave files in the working tree.
    return grimp.build_graph(ROOT, "frontend_api", cache_dir=None)


@pytest.fixture(scope="module")
def apps(graph: grimp.ImportGraph) -> list[str]:
    found = sorted(graph.find_children(ROOT))
    assert BOTTOM in found and "backend.reports" in found, found  # the graph read the code
    return found


@pytest.fixture(scope="module")
def app_imports(graph: grimp.ImportGraph, apps: list[str]) -> dict[Edge, list[str]]:
    """(importing app, imported app) -> the import lines that make the edge."""
    app_of = {module: app for app in apps for module in graph.find_descendants(app) | {app}}
    edges: dict[Edge, list[str]] = defaultdict(list)
    for module in sorted(app_of):
        for imported_module in sorted(graph.find_modules_directly_imported_by(module)):
            edge = (app_of[module], app_of.get(imported_module, ""))
            if not edge[1] or edge[0] == edge[1]:
                continue
            details = graph.get_import_details(importer=module, imported=imported_module)
            edges[edge].extend(
                [f"{module}:{d['line_number']}: {d['line_contents']}" for d in details]
                or [f"{module} -> {imported_module}"]
            )
    return dict(edges)


def _successors(edges: Iterable[Edge]) -> dict[str, set[str]]:
    successors: dict[str, set[str]] = defaultdict(set)
    for importer, imported in edges:
        successors[importer].add(imported)
    return successors


def _shortest_path(successors: Mapping[str, set[str]], start: str, goal: str) -> list[str] | None:
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        app = queue.popleft()
        for after in sorted(successors.get(app, ())):
            if after in previous or after == start:
                continue
            previous[after] = app
            if after == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1]
            queue.append(after)
    return None


def app_cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Every cycle an edge closes, shortest way round, each once (as a path back to its start).

    One per edge, not one per tangle: two cycles through the same app are two problems."""
    edges = list(edges)
    successors = _successors(edges)
    cycles: dict[tuple[str, ...], list[str]] = {}
    for importer, imported in edges:
        back = _shortest_path(successors, imported, importer)
        if back is None:
            continue
        cycle = [importer, *back]  # ends where it starts
        # The same cycle, entered at another app, is the same problem.
        ring = cycle[:-1]
        turn = ring.index(min(ring))
        key = tuple(ring[turn:] + ring[:turn])
        cycles.setdefault(key, [*key, key[0]])
    return sorted(cycles.values(), key=lambda c: (len(c), c))


def _explain(path: list[str], app_imports: Mapping[Edge, list[str]]) -> str:
    lines = ["  " + " -> ".join(path)]
    for edge in itertools.pairwise(path):
        found = app_imports[edge]
        lines.append(f"    {edge[0]} -> {edge[1]} ({len(found)} imports), e.g.:")
        lines.extend(f"      {line}" for line in found[:SHOWN_PER_EDGE])
    return "\n".join(lines)


def test_backend_apps_import_each_other_without_cycles(app_imports):
    cycles = app_cycles(app_imports)
    assert not cycles, (
        f"{len(cycles)} import cycle(s) between backend apps; a lower app must not import a "
        "higher one, not even inside a function:\n"
        + "\n".join(_explain(cycle, app_imports) for cycle in cycles)
    )


def test_common_imports_no_other_app(app_imports):
    upward = {edge: found for edge, found in app_imports.items() if edge[0] == BOTTOM}
    assert not upward, f"{BOTTOM} is the bottom layer, yet it imports:\n" + "\n".join(
        _explain(list(edge), app_imports) for edge in sorted(upward)
    )


def test_cycles_are_found_with_the_imports_that_make_them():
    # The check itself: a graph with a known cycle and a known acyclic part.
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("a", "e")]
    assert app_cycles(edges) == [["a", "b", "c", "a"]]
    assert app_cycles([("a", "b"), ("b", "a"), ("b", "c"), ("c", "b")]) == [
        ["a", "b", "a"],
        ["b", "c", "b"],
    ]
    assert app_cycles([("a", "b"), ("b", "c")]) == []
