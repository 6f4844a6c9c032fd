"""The tokenizer of a torch-free export: saved as ``transformers`` loads it where that is importable, else copied
from the model's files and rewritten to tokenise the same way (:func:`as_transformers_loads_it`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from engine.errors import UserError
from engine.export_card import tokenizer_fields


def as_transformers_loads_it(spec: dict) -> dict:
    """An XLM-R style ``tokenizer.json`` (Unigram; normaliser ``[Precompiled, Replace(' {2,}', ' ')]``;
    ``Metaspace`` pre-tokeniser) as ``transformers`` >= 5 rebuilds it on load — ``Precompiled`` normaliser,
    ``[WhitespaceSplit, Metaspace(prepend_scheme='always', split=True)]`` pre-tokeniser and decoder, no byte
    fallback — so an export made without ``transformers`` tokenises exactly as the torch encoder does (trailing
    spaces and runs of spaces included). Any other tokenizer is returned unchanged (the same object)."""
    norm, pre = spec.get("normalizer") or {}, spec.get("pre_tokenizer") or {}
    parts = norm.get("normalizers", []) if norm.get("type") == "Sequence" else []
    xlmr = (spec.get("model", {}).get("type") == "Unigram" and pre.get("type") == "Metaspace"
            and len(parts) == 2 and parts[0].get("type") == "Precompiled" and parts[1].get("type") == "Replace"
            and parts[1].get("pattern") == {"Regex": " {2,}"})
    if not xlmr:
        return spec
    import copy

    meta = {"type": "Metaspace", "replacement": pre.get("replacement", "\u2581"), "prepend_scheme": "always",
            "split": True}
    out = copy.deepcopy(spec)
    out["normalizer"] = parts[0]
    out["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, meta]}
    out["decoder"] = dict(meta)
    out["model"]["byte_fallback"] = False
    return out


def tokenizer_from_files(model_dir: Path, out: Path) -> dict:
    """Copy the tokenizer files and read the special, pad and unk ids from them as ``transformers`` does: the
    tokens ``tokenizer_config.json`` / ``special_tokens_map.json`` name (``*_token``, ``additional_special_tokens``),
    and the added tokens ``tokenizer.json`` marks special."""
    from tokenizers import Tokenizer

    if not (model_dir / "tokenizer.json").is_file():
        return {}  # export_onnx says what is missing
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out / name)
    spec = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    rebuilt = as_transformers_loads_it(spec)
    if rebuilt is not spec:
        (out / "tokenizer.json").write_text(json.dumps(rebuilt, ensure_ascii=False), encoding="utf-8")
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    named: dict = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        try:
            named.update(json.loads((model_dir / name).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    content = lambda t: t.get("content") if isinstance(t, dict) else t
    tokens = {k: content(v) for k, v in named.items() if k.endswith("_token") and content(v)}
    extra = [content(t) for k in ("additional_special_tokens", "extra_special_tokens")
             for t in (named.get(k) or []) if isinstance(named.get(k), list)]
    ids = {tok.token_to_id(t) for t in [*tokens.values(), *extra]}
    ids |= {int(t["id"]) for t in rebuilt.get("added_tokens", []) if t.get("special")}
    ids.discard(None)
    pad = tok.token_to_id(tokens.get("pad_token", "")) if tokens.get("pad_token") else None
    unk = tok.token_to_id(tokens.get("unk_token", "")) if tokens.get("unk_token") else None
    if pad is None or unk is None:
        raise UserError(f"{model_dir}: the tokenizer config names no pad or unk token; export with transformers "
                        f"installed")
    return {"special_ids": sorted(ids), "pad_id": int(pad), "unk_id": int(unk)}


def copy_tokenizer(model_dir: Path, out: Path) -> dict:
    """The tokenizer as ``transformers`` loads it where importable (module docstring), else from its files."""
    try:
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError:
        return tokenizer_from_files(model_dir, out)
    hf_logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"{model_dir}: cannot load the tokenizer ({str(exc).splitlines()[0]})") from None
    tokenizer.save_pretrained(str(out))
    return tokenizer_fields(tokenizer)
