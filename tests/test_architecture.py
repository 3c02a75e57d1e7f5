"""The house rules of src/obsgen, read from the code with `ast`: modules import each other without
cycles, and no module reaches into another's private names (`from x import _y`). A cycle or a
private import is how a layout stops showing its architecture (issue #13)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "obsgen"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _target(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) of every obsgen import in `module`, including
    those inside functions: an import deferred to call time is still a dependency."""
    path = MODULES[module]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            target = _target(module, path, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, "", node.lineno) if sub in MODULES else (target, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names]
    return [(m, n, line) for m, n, line in found if m in MODULES and m != module]


GRAPH = {module: sorted({m for m, _, _ in _imports(module)}) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in GRAPH:
        if root in index:
            continue
        work = [(root, iter(GRAPH[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(GRAPH[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_package_has_modules_to_check() -> None:
    assert len(MODULES) > 50 and "obsgen.compiler" in MODULES


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles() == []


def test_no_module_imports_another_modules_private_names() -> None:
    private = [f"{module}:{line} imports {target}.{name}" for module in MODULES
               for target, name, line in _imports(module) if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_a_cycle_would_be_found() -> None:
    """The checker itself: a graph with a cycle yields it."""
    global GRAPH
    saved = GRAPH
    try:
        GRAPH = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
        assert _cycles() == [["a", "b", "c"]]
    finally:
        GRAPH = saved


def test_the_spec_models_annotations_are_objects_not_text() -> None:
    """language/v1/__init__.py: pydantic evaluates a text annotation with a compile and an eval, ~360 of
    them at every start; so the spec's model modules keep theirs as objects."""
    textual = [name for name, path in MODULES.items() if name.startswith("obsgen.language.v1.")
               and any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
                       for node in ast.parse(path.read_text(encoding="utf-8")).body)]
    assert textual == []
