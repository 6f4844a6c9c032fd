"""Export an encoder (base model or student) to ONNX for torch-free serving, fp32 and dynamic int8.

An export directory holds

* ``model.onnx`` — fp32 graph; inputs ``input_ids`` and ``attention_mask`` (int64 ``[batch, sequence]``, both axes
  dynamic); outputs ``token_embeddings`` ``[batch, sequence, d]`` (last hidden states) and ``sentence_embedding``
  ``[batch, d]``: the mask-aware mean :math:`\\sum_l m_l h_l / \\max(1, \\sum_l m_l)`, L2-normalised — exactly
  :meth:`engine.encoders.Encoder.pooled`;
* ``model.int8.onnx`` — the same graph after ``onnxruntime.quantization.quantize_dynamic``: MatMul weights as int8
  (QInt8, per output channel, **7-bit range** ``[-64, 64]``), activations quantised on the fly (uint8, one scale per
  tensor and call). The 7-bit weights make the integer arithmetic exact on every x86 CPU: without VNNI/AMX,
  onnxruntime's u8s8 kernels add two u8*s8 products in int16 with saturation (``vpmaddubsw``), and
  ``2 * 255 * 127`` overflows it while ``2 * 255 * 64 = 32640`` does not — so an AVX2-only CPU computes the same
  vectors as an AVX-512 VNNI one (full-range weights lost up to 0.05 RR@10 per language there). Two parts
  stay fp32. The feed-forward down-projections (``layer.N/output/dense``) read GELU outputs, whose heavy-tailed
  range one uint8 scale cannot hold: quantising them cost 0.033 mean RR@10 on the ``udhr`` suite (cosine to fp32
  0.981 at worst), keeping them fp32 brings the cosine to >= 0.997. The word-embedding table (96 M of the 118 M
  parameters of multilingual-e5-small) is a Gather, not a MatMul: a lookup costs no arithmetic and one int8 scale
  for 250 k rows would blur rare words (``ExportConfig.quantize_embeddings`` turns it on for a smaller file);
  ``ExportConfig.fast_int8`` first fuses the transformer blocks into onnxruntime's ``Attention``,
  ``SkipLayerNormalization``, ``BiasGelu`` and ``EmbedLayerNormalization`` ops (``onnxruntime.transformers``' BERT
  optimizer, pattern fusion only, so the file runs on any CPU) and quantises the fused attention weights too.
  Measured on multilingual-e5-small, one core: a one-query encode takes ~5.8 ms instead of ~7 ms, but mean RR@10
  on ``udhr`` drops 0.009 from fp32 instead of 0.003, so it is off by default;
* the tokenizer files (``tokenizer.json`` + config), so serving needs neither torch nor the source model;
* ``card.json`` — base model, languages, training data, evaluation metrics (from a report, when given), the export
  config, and the sha256 of every file.

The directory is written under a temporary name beside ``out_dir`` and renamed when complete, so a crash never
leaves a half export where a loader would find it. A student exports its merged query model; its documents stay
encoded by the base model, whose fingerprint the card records (``document_fingerprint``).

Two routes write the fp32 graph, one rule picks: a model *spec* (a path, an alias, ``None``; what
:func:`ensure_exported` and ``python -m engine export`` pass) whose weights are a BERT directory the torch-free
builder supports (:func:`engine.onnx_graph.check_bert_config`: the offline multilingual-e5-small, the tiny test
model, any ``BertModel`` with absolute positions and exact GELU), or a student of one (``top:N``, ``full``, ``lora``),
is built by :mod:`engine.onnx_graph` from the safetensors with numpy, without importing torch; a loaded encoder
object, or any other architecture, goes through ``torch.onnx.export``. Both produce the same inputs, outputs and node
names (so the same int8 settings), the same files and card (``exporter`` says which made it). The torch-free route
saves the tokenizer through ``transformers`` when that is importable (it is without torch), so the export tokenises
as the torch :class:`~engine.encoders.Encoder` does; without ``transformers`` it copies the model's own tokenizer
files. The two differ in edge cases under ``transformers`` 5, which rebuilds XLM-R's normaliser and pre-tokeniser
(trailing spaces, runs of spaces before a special token, special tokens typed in the text). ``transformers`` imports
torch where torch is installed; where it is not, neither route step needs it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from engine.artifacts import (
    EXPORT_CARD_FILE,
    VARIANT_FILES,
    ModelRef,
    is_export_dir,
    read_export_card,
    resolve_model,
    verify_export,
)
from engine.errors import UserError
from engine.export_card import (
    ExportConfig,
    Route,
    export_card,
    student_fields,
)
from engine.export_tokenizer import copy_tokenizer
from engine.fileio import atomic_directory, sha256_file

__all__ = ["EXPORT_CARD_FILE", "VARIANT_FILES", "ExportConfig", "add_int8", "ensure_exported", "export_onnx",
           "is_export_dir", "read_export_card", "verify_export"]

def _quantize(src: Path, dst: Path, config: ExportConfig, num_heads: int, hidden_size: int) -> None:
    """``src`` (fp32) -> ``dst`` (int8): fuse the transformer ops, then quantise (module docstring)."""
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a pre-processing hint on the root logger every time
    try:
        with tempfile.TemporaryDirectory(dir=dst.parent) as work:
            source = src
            if config.fast_int8:
                from onnxruntime.transformers import optimizer

                fused = optimizer.optimize_model(str(src), model_type="bert", opt_level=0, num_heads=num_heads,
                                                 hidden_size=hidden_size)
                source = Path(work) / "fused.onnx"
                fused.save_model_to_file(str(source))
            graph = onnx.load(str(source), load_external_data=False).graph
            keep = [n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul")
                    and "/attention/" not in n.name] if config.fp32_ffn_output else []
            ops = ["MatMul", "Attention"] + (["Gather", "EmbedLayerNormalization"] if config.quantize_embeddings
                                             else [])  # "Attention" exists only in the fused graph
            quantize_dynamic(str(source), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=ops,
                             per_channel=config.per_channel, reduce_range=config.reduce_range,
                             nodes_to_exclude=keep,
                             extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def torch_free_plan(ref: ModelRef) -> str | None:
    """None when the torch-free builder computes ``ref`` exactly (a BERT model, or a student of one), else the reason
    why not (module docstring: the rule)."""
    from engine.onnx_graph import check_bert_config

    if ref.kind in ("export", "onnx-file"):
        raise UserError(f"{ref.path}: already an ONNX export; export its source model instead")
    bert = ref.base or ref
    try:
        config_file = bert.path / "config.json"
        check_bert_config(json.loads(config_file.read_text(encoding="utf-8")), config_file)
    except (OSError, ValueError) as exc:
        return f"{bert.path}/config.json: unreadable ({exc})"
    except UserError as exc:
        return str(exc)
    return None


def _torch_free_route(ref: ModelRef) -> Route:
    """Load the weights (and apply the student) with numpy; the graph is built by :mod:`engine.onnx_graph`."""
    import onnx

    from engine.encoders.common import PREFIXES
    from engine.onnx_graph import (
        DELTA_FILE,
        apply_student_delta,
        build_bert_onnx,
        load_bert,
        read_student_delta,
    )

    bert, card = ref.base or ref, ref.student
    base_fp = bert.fingerprint
    if card and card.base_fingerprint != base_fp:
        raise UserError(f"{ref.path}: trained on base {card.base} with fingerprint {card.base_fingerprint}, "
                        f"but the loaded base has {base_fp}")
    weights, config = load_bert(bert.path)
    if card:
        weights = apply_student_delta(weights, read_student_delta(ref.path), card.train, ref.path / DELTA_FILE)
    model = {
        "name": ref.name,
        "source": str(ref.path),
        "fingerprint": ref.fingerprint,
        "document_fingerprint": base_fp,
        "document_model": bert.name,
        "dim": int(config["hidden_size"]),
        "max_length": min(512, int(config.get("max_position_embeddings", 512))),
        "prefixes": dict(PREFIXES),
        "base": card.base if card else bert.name,
        "base_fingerprint": base_fp,
        **student_fields(card),
        "exporter": "engine.onnx_graph",
    }
    return Route(lambda path: build_bert_onnx(weights, config, path),
                  lambda out: copy_tokenizer(bert.path, out), model, {"onnx": onnx.__version__},
                  int(config["num_attention_heads"]), int(config["hidden_size"]))


def export_onnx(encoder_or_spec, out_dir: str | Path, quantize: bool = True, report: dict | None = None,
                config: ExportConfig | None = None, progress: bool = False) -> Path:
    """Export an encoder (an Encoder, a StudentEncoder, or a spec for :func:`engine.encoders.load_encoder`) into
    ``out_dir`` (see the module docstring; a spec of a BERT model or student exports without torch); returns
    ``out_dir``. An existing ``out_dir`` is replaced."""
    from tqdm.auto import tqdm

    config = config or ExportConfig(quantize=quantize)
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not (out_dir.is_dir() and (is_export_dir(out_dir) or not any(out_dir.iterdir()))):
        raise UserError(f"{out_dir} exists and is not an ONNX export; choose another --out")
    steps = ["load model", "export fp32"] + (["quantize int8"] if config.quantize else []) + ["write card"]
    bar = tqdm(total=len(steps), desc="ONNX export", unit="step", disable=None if progress else True)
    bar.set_postfix_str(steps[0])
    try:
        if isinstance(encoder_or_spec, (str, os.PathLike, ModelRef)) or encoder_or_spec is None:
            ref = resolve_model(encoder_or_spec)
            plan = torch_free_plan(ref)
            if plan is None:
                route = _torch_free_route(ref)
            else:
                try:
                    from engine.onnx_export_torch import (
                        torch_route,  # the one way from here to torch
                    )
                except ImportError:
                    raise UserError(f"{plan} (torch is not installed here)") from None
                route = torch_route(ref, config)
        else:
            from engine.onnx_export_torch import torch_route

            route = torch_route(encoder_or_spec, config)
        bar.update()
        with atomic_directory(out_dir) as tmp:
            bar.set_postfix_str(steps[1])
            route.write_fp32(tmp / VARIANT_FILES["fp32"])
            route.write_fp32 = None  # drops the numpy weights before quantising
            bar.update()
            if config.quantize:
                bar.set_postfix_str(steps[2])
                _quantize(tmp / VARIANT_FILES["fp32"], tmp / VARIANT_FILES["int8"], config, route.num_heads,
                          route.hidden_size)
                bar.update()
            bar.set_postfix_str(steps[-1])
            tokenizer = route.write_tokenizer(tmp)
            if not (tmp / "tokenizer.json").is_file():
                raise UserError(f"{route.model['name']}: the tokenizer has no tokenizer.json (a fast tokenizer is "
                                f"needed)")
            card = export_card({**route.model, **tokenizer}, config, report, route.versions)
            card["files"] = {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                             for p in sorted(tmp.iterdir()) if p.is_file()}
            (tmp / EXPORT_CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        bar.update()
    finally:
        bar.close()
    return out_dir


def default_onnx_cache() -> Path:
    from engine.artifacts.offline_e5 import default_cache_dir

    return default_cache_dir() / "onnx"


def add_int8(export_dir: str | Path) -> Path:
    """Add the int8 variant to an fp32-only export in place (what :func:`ensure_exported` with ``int8=False`` made):
    quantised beside the fp32 graph under a temporary name, renamed, then the card rewritten atomically — a crash in
    between leaves an export whose card still says fp32 only, so the next call quantises again."""
    from engine.fileio import write_text_atomic

    export_dir = Path(export_dir)
    card = read_export_card(export_dir)
    if "int8" in card.get("variants", {}):
        return export_dir
    config = ExportConfig(**{**card["config"], "quantize": True})
    if config.fast_int8:
        raise UserError(f"{export_dir.name}: made with fast_int8; export it again with int8 instead")
    target = export_dir / VARIANT_FILES["int8"]
    fd, tmp_name = tempfile.mkstemp(prefix=".int8-", suffix=".onnx", dir=export_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _quantize(export_dir / VARIANT_FILES["fp32"], tmp, config, num_heads=0, hidden_size=int(card["dim"]))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    card.update(config=asdict(config), variants=dict(VARIANT_FILES))
    card["files"][target.name] = {"sha256": sha256_file(target), "bytes": target.stat().st_size}
    write_text_atomic(export_dir / EXPORT_CARD_FILE, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    return export_dir


def _same_settings(made: dict | None) -> bool:
    """An export's config equals today's defaults, whether or not its int8 variant was made yet."""
    today = asdict(ExportConfig())
    return isinstance(made, dict) and {**made, "quantize": True} == today


def ensure_exported(model: str | Path | None, cache: str | Path | None = None,
                    progress: bool = True, int8: bool = True) -> Path:
    """The ONNX export of a student (or any model spec; ``None`` is the offline base), made on first use in
    ``<cache>/<fingerprint>/`` (default ``~/.cache/optical-clir/onnx``) with a progress bar: a student's delta is
    applied to the offline base and exported once, without torch for BERT bases (module docstring). Later calls
    check the files' sizes and the export config only; an export made with other settings (an older version) is
    redone. ``int8=False`` makes (or accepts) the fp32 graph alone — what a first start needs to answer — and a later
    call with ``int8=True`` adds the int8 variant in place (:func:`add_int8`)."""
    out = (Path(cache).expanduser() if cache else default_onnx_cache()) / resolve_model(model).fingerprint
    if is_export_dir(out):
        try:
            if _same_settings(verify_export(out, full=False).get("config")):
                return add_int8(out) if int8 else out  # else made by an older exporter: export again
        except UserError:
            pass  # damaged: export again
    return export_onnx(model, out, quantize=int8, progress=progress)
