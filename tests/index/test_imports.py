"""The index, the vector stores and search import one way: search -> index -> vectors, never back.

Every import counts, including those inside functions and under ``TYPE_CHECKING`` (import-linter counts them too).
"""

import ast
from pathlib import Path

import engine

ROOT = Path(engine.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (ROOT.parent / rel.with_suffix(".py")).is_file() or (ROOT.parent / rel / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Modules of ``engine`` that ``path`` imports anywhere (``from a import b`` counts ``a.b`` when it is one)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.update(f"{node.module}.{a.name}" if is_module(f"{node.module}.{a.name}") else node.module
                       for a in node.names)
    return {m for m in out if m.split(".")[0] == "engine" and is_module(m)}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in ROOT.rglob("*.py")}


def reachable(g: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in g.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_no_cycle_through_index_search_or_vectors():
    g = graph()
    for name in g:
        if any(in_package(name, p) for p in ("engine.index", "engine.search", "engine.vectors")):
            assert name not in reachable(g, name), f"{name} imports itself through a cycle"


def test_index_and_vectors_never_import_search_and_vectors_never_import_index():
    g = graph()
    for name, deps in g.items():
        if in_package(name, "engine.index") or in_package(name, "engine.vectors"):
            assert not any(in_package(d, "engine.search") for d in reachable(g, name)), name
        if in_package(name, "engine.vectors"):
            assert not any(in_package(d, "engine.index") for d in deps), name
