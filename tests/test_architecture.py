"""The architecture contracts (``[tool.importlinter]`` in pyproject.toml, README "Architecture"), checked by
import-linter; ``lint-imports`` prints the same report.

grimp, import-linter's import graph, counts every import statement: at module level, inside functions and under
``TYPE_CHECKING``. So a torch import that only the torch backend reaches still breaks a "never imports torch" contract.
"""

from pathlib import Path

import grimp
from importlinter import api
from importlinter.adapters.building import GraphBuilder
from importlinter.application import use_cases
from importlinter.configuration import settings

CONFIG = str(Path(__file__).resolve().parents[1] / "pyproject.toml")


class PackageInitGraphBuilder(GraphBuilder):
    """grimp's graph plus what Python does besides: a module's package ``__init__`` runs before the module.

    grimp records ``import a.b.c`` as an import of ``a.b.c`` only, so without an edge from each module to its parent
    package a module could keep a contract while ``a/__init__`` or ``a/b/__init__`` imports torch.
    """

    def build(self, *args, **kwargs) -> grimp.ImportGraph:
        graph = super().build(*args, **kwargs)
        for module in sorted(graph.modules):
            parent = module.rpartition(".")[0]
            if parent in graph.modules and not graph.is_module_squashed(module):
                graph.add_import(importer=module, imported=parent, line_number=0,
                                 line_contents=f"{parent}/__init__ runs first")
        return graph


def lint(builder: GraphBuilder, capsys) -> tuple[bool, str]:
    """(every contract kept, the linter's report) with the graph made by ``builder``."""
    saved = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=builder)
    try:
        kept = use_cases.lint_imports(config_filename=CONFIG, no_logo=True, cache_dir=None)
    finally:
        settings.configure(GRAPH_BUILDER=saved)
    return kept, capsys.readouterr().out


def engine_cycles() -> str:
    """Each import the cycle check would remove between engine's children, with the chain back that closes the
    cycle: the linter lists only the imports, and grimp's nomination can include one that closes none."""
    graph = grimp.build_graph("engine", cache_dir=None)
    lines = []
    for importer, imported in sorted(graph.nominate_cycle_breakers("engine")):
        down, up = (".".join(name.split(".")[:2]) for name in (importer, imported))
        back = graph.find_shortest_chain(importer=up, imported=down, as_packages=True)
        lines.append(f"  {importer} -> {imported}, back: {' -> '.join(back) if back else 'none (on no cycle)'}")
    return "\n".join(lines)


def test_every_contract_is_kept(capsys):
    kept, report = lint(GraphBuilder(), capsys)
    assert kept, (f"an architecture contract is broken (`lint-imports` prints this too):\n{report}\n"
                  f"cycles between engine's children:\n{engine_cycles() or '  none'}")


def test_every_contract_is_kept_counting_the_package_inits_python_runs(capsys):
    kept, report = lint(PackageInitGraphBuilder(), capsys)
    assert kept, f"a contract breaks once a package's __init__ counts as imported by its modules:\n{report}"


def test_the_torch_free_ot_contract_names_every_module_outside_engine_ot_torch():
    contract = next(c for c in api.read_configuration(CONFIG)["contracts_options"] if c["id"] == "ot-no-torch")
    graph = grimp.build_graph("engine", cache_dir=None)
    torch_free = {m for m in graph.find_descendants("engine.ot") | {"engine.ot"}
                  if m != "engine.ot.torch" and not m.startswith("engine.ot.torch.")}
    assert set(contract["source_modules"]) == torch_free, (
        "list every module of engine.ot outside engine.ot.torch in the ot-no-torch contract (pyproject.toml); "
        "a torch-needing module belongs in engine.ot.torch")
