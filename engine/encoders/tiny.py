"""A tiny randomly initialised BERT with the real multilingual tokenizer, built locally for fast unit tests.

Same tokenizer, prefixes and code paths as the real model; 2 layers, hidden size 32, so a forward pass costs
milliseconds. Its vectors mean nothing: tests use it for shapes, plumbing, training mechanics and parity checks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from engine.artifacts.offline_e5 import TOKENIZER_CONFIG, tokenizer_path
from engine.fileio import atomic_directory


def build_tiny_model(out_dir: Path, hidden: int = 32, layers: int = 2, heads: int = 2, seed: int = 0) -> Path:
    """Write a tiny BertModel directory (safetensors + the real tokenizer) to ``out_dir`` and return it."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(vocab_size=250037, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                        intermediate_size=hidden * 2, max_position_embeddings=512, type_vocab_size=2, pad_token_id=1)
    model = BertModel(config, add_pooling_layer=False)
    with atomic_directory(Path(out_dir)) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        shutil.copyfile(tokenizer_path(), tmp / "tokenizer.json")
        (tmp / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2) + "\n")
    return Path(out_dir)
