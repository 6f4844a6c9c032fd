import json
import subprocess
import sys
import time

import pytest


def run_cli(*args, input_env=None):
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=600)


def test_help_is_fast_and_lists_verbs():
    start = time.perf_counter()
    r = run_cli("--help")
    assert r.returncode == 0 and "encode" in r.stdout
    assert time.perf_counter() - start < 10
    # no heavy imports just to print help
    probe = subprocess.run([sys.executable, "-c", "import sys, engine.cli as c; c.build_parser(); "
                            "print('torch' in sys.modules)"], capture_output=True, text=True)
    assert probe.stdout.strip() == "False"


def test_encode_json_on_local_model(tiny_model_dir):
    r = run_cli("encode", "--model", str(tiny_model_dir), "--json", "--tokens", "Watoto wanacheza", "Hello")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["text"] for row in rows] == ["Watoto wanacheza", "Hello"]
    assert len(rows[0]["vector"]) == 32 and rows[0]["tokens"] == ["▁Watoto", "▁wana", "cheza"]


@pytest.mark.parametrize("args,needle", [
    (["encode", ""], "empty"),
    (["encode", "--model", "/no/such/dir", "x"], "not found"),
    (["encode", "--model", "someone/unknown-model", "x"], "offline"),
    (["encode", "--batch-size", "0", "x"], "batch size"),
])
def test_bad_input_is_one_line_error(args, needle):
    r = run_cli(*args)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_non_utf8_file_is_rejected(tmp_path, tiny_model_dir):
    f = tmp_path / "latin1.txt"
    f.write_bytes("caf\xe9\n".encode("latin-1"))
    r = run_cli("encode", "--model", str(tiny_model_dir), "--file", str(f))
    assert r.returncode == 2 and "not UTF-8" in r.stderr and "Traceback" not in r.stderr
