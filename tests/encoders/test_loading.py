import pytest

from engine.encoders import load_encoder
from engine.encoders.loading import resolve_model_dir
from engine.errors import UserError


def test_missing_path(tmp_path):
    with pytest.raises(UserError, match="not found"):
        resolve_model_dir(str(tmp_path / "nope"))


def test_directory_that_is_not_a_model(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(UserError, match="not a model directory"):
        resolve_model_dir(tmp_path)


def test_pickle_weights_are_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(UserError, match="safetensors"):
        resolve_model_dir(tmp_path)


def test_file_is_not_a_model(tmp_path):
    f = tmp_path / "model.safetensors"
    f.write_bytes(b"x")
    with pytest.raises(UserError, match="is a file"):
        resolve_model_dir(f)


def test_hub_id_offline_names_the_default():
    with pytest.raises(UserError, match="offline.*multilingual-e5-small"):
        resolve_model_dir("someone/some-model")


def test_local_directory_loads_and_fingerprint_is_stable(tiny_model_dir):
    a, b = load_encoder(tiny_model_dir), load_encoder(tiny_model_dir)
    assert a.fingerprint == b.fingerprint and len(a.fingerprint) == 16
    assert a.dim == 32
