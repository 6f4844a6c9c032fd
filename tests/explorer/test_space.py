"""The Hugging Face Space setup: the app serves with what requirements.txt installs — no torch, no transformers.

A subprocess blocks torch, transformers and peft, builds the app on the real default registry (ONNX), indexes the
default collection into an empty explorer cache, answers a search and an alignment, and reports every distribution
its imported modules came from. Each must be in requirements.txt or required by something there."""

import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
# imported when present, with a fallback when not (checked in each library's source)
OPTIONAL = {
    "psutil",  # gradio/_vendor/ffmpy: `try: from psutil import Popen except ImportError: subprocess.Popen`
    # httpcore's optional trio backend, with trio's own imports (trio comes with selenium, a test dependency)
    "trio", "outcome", "sniffio", "sortedcontainers", "attr", "attrs",
    "pyarrow",  # pandas.compat.pyarrow: used when installed
    "lz4",  # fsspec.compression: registers lz4 when installed
    "cython", "Cython",  # pydantic.v1.version: reports whether it was compiled
}

SCRIPT = r"""
import json, sys
for name in ("torch", "transformers", "peft"):
    sys.modules[name] = None  # importing any of them now fails
from pathlib import Path
from explorer.app import build_demo
from explorer.config import ExplorerConfig
from explorer.models import default_registry
from explorer.service import Explorer

cfg = ExplorerConfig(cache_dir=Path(sys.argv[1]), threads=1)
app = Explorer(cfg, default_registry(cfg.student, "onnx", cfg.threads))
app.open_default()
queries = dict(line.rstrip("\n").split("\t") for line in open("data/suites/udhr/ny/queries.tsv"))
query = queries["udhr-3"]  # article 3 in Chichewa; the default collection holds the English UDHR units
found = app.compare(query, "ny")
top = [h.doc_id for h in found["student"].hits]
plans = app.align(query, None, "udhr-3", "ny")
build_demo(cfg, app)
mods = sorted({m.split(".")[0] for m, mod in list(sys.modules.items()) if mod is not None})
print(json.dumps({"top": top, "student_plan": plans["student"].plan.shape, "modules": mods}))
"""


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in reqs if "extra ==" not in r]
    return seen


def test_app_serves_with_the_space_requirements_only(tmp_path):
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "explorer")], capture_output=True, text=True,
                       timeout=900, check=False, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert "udhr-3" in out["top"] and out["student_plan"][0] > 3
    listed = {_name(line) for line in (REPO / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    allowed = _closure(listed)
    dists = metadata.packages_distributions()
    missing = set()
    for module in out["modules"]:
        if module in sys.stdlib_module_names or module in ("engine", "explorer", *OPTIONAL) or module.startswith("_"):
            continue
        owners = {_name(d) for d in dists.get(module, [])}
        if owners and not owners & allowed:
            missing.add(f"{module} ({', '.join(sorted(owners))})")
    assert not missing, f"imported by the app but not installed by requirements.txt: {sorted(missing)}"
    assert "torch" not in out["modules"] and "transformers" not in out["modules"]
