"""The package's structure: no import cycle, and no private module used from outside.

Both module-level and function-level imports count (a lazy import is still a
dependency); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mtor_sim"


def _runtime_imports(tree: ast.AST) -> list[ast.ImportFrom | ast.Import]:
    found: list[ast.ImportFrom | ast.Import] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    walk(other)
                continue
            if isinstance(child, ast.ImportFrom | ast.Import):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def _package_modules(node: ast.ImportFrom | ast.Import, known: set[str]) -> set[str]:
    """The package's modules an import statement (in a package module) loads."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.startswith("mtor_sim.")]
        return {n.split(".")[1] for n in names} & known
    if node.level == 1:
        if node.module:
            return {node.module.split(".")[0]} & known
        return {a.name for a in node.names} & known
    if node.module and node.module.startswith("mtor_sim."):
        return {node.module.split(".")[1]} & known
    return set()


def import_graph() -> dict[str, set[str]]:
    modules = {p.stem: p for p in PACKAGE.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text())):
            deps |= _package_modules(node, set(modules))
        graph[name] = deps - {name, "__init__"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_the_package():
    graph = import_graph()
    found = cycles(graph)
    detail = "; ".join(" ".join(f"{m} -> {sorted(graph[m] & set(c))}" for m in c) for c in found)
    assert not found, f"import cycle(s): {detail}"


def test_no_private_module_imported_from_outside_the_package():
    """experiments/, docs/, benchmarks/ and models/ use the public API only."""
    offenders = set()
    for folder in ("experiments", "docs", "benchmarks", "models"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in _runtime_imports(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                else:
                    names = [a.name for a in node.names]
                private = [
                    n for n in names if n.startswith("mtor_sim.") and n.split(".")[1][:1] == "_"
                ]
                if private:
                    module = ".".join(private[0].split(".")[:2])
                    offenders.add(f"{path.relative_to(ROOT).as_posix()} {module}")
    offenders = {o for o in offenders if o.split()[0] not in ENGINE_BENCHMARKS}
    new, gone = offenders - KNOWN_PRIVATE_IMPORTS, KNOWN_PRIVATE_IMPORTS - offenders
    assert not new, f"new private imports (use the public API): {sorted(new)}"
    assert not gone, f"remove from KNOWN_PRIVATE_IMPORTS (fixed): {sorted(gone)}"


#: Benchmarks of the engine's own internals (the raw single-point solver, the batch
#: engine): they measure private code by design.
ENGINE_BENCHMARKS = {"benchmarks/bench_batch.py", "benchmarks/bench_steady_state.py"}

#: Private imports from outside the package that remain: known debt, to be replaced by
#: public API. The test fails on any new one, and when one of these goes (the list only
#: shrinks).
KNOWN_PRIVATE_IMPORTS: set[str] = set()


def test_only_the_command_line_runs_the_experiment_scripts():
    """The library knows nothing of the experiment scripts: the CLI hands them to the
    report (`mtor_sim.experiments.scripts()`)."""
    users = set()
    for path in PACKAGE.glob("*.py"):
        for node in _runtime_imports(ast.parse(path.read_text())):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            names = [a.name for a in node.names]
            text = " ".join([module, *names])
            if "experiments" in text.split(".") or "experiments" in text.split():
                users.add(path.name)
    assert users == {"cli.py"}
