"""``engine.ot`` (all but ``engine.ot.torch``) never reaches torch, through any import, function-local ones included.

A static walk of the import statements, as grimp (import-linter) counts them, so an import inside a function that
a test happens not to call is caught too.
"""

import ast
from pathlib import Path

import engine

ENGINE_ROOT = Path(engine.__file__).parent.parent


def _module_file(name: str) -> Path | None:
    base = ENGINE_ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(name: str, path: Path) -> set[str]:
    """Every module named by an import statement of ``path`` (and the parent packages each one runs)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                module = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    return {".".join(m.split(".")[:i]) for m in found for i in range(1, m.count(".") + 2)}


def reachable(start: str) -> tuple[set[str], set[str]]:
    """(engine modules, top-level external packages) that importing ``start`` can reach."""
    seen: set[str] = set()
    external: set[str] = set()
    todo = [".".join(start.split(".")[:i]) for i in range(1, start.count(".") + 2)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for target in _imports(name, _module_file(name)):
            if target.split(".")[0] != "engine":
                external.add(target.split(".")[0])
            elif _module_file(target) is not None:
                todo.append(target)
    return seen, external


def test_engine_ot_reaches_no_torch():
    modules = ["engine.ot", "engine.ot.defaults"] + [
        f"engine.ot.{p.stem}" for p in (ENGINE_ROOT / "engine" / "ot").glob("*.py") if p.stem != "__init__"]
    for module in modules:
        seen, external = reachable(module)
        assert "torch" not in external, f"{module} reaches torch through {sorted(seen)}"
        assert not any(m.startswith("engine.ot.torch") for m in seen), f"{module} imports engine.ot.torch"


def test_the_walk_does_see_torch_where_it_is():
    seen, external = reachable("engine.ot.torch")
    assert "torch" in external and "engine.ot.defaults" in seen
