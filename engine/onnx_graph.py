r"""Build the ONNX graph of a BERT encoder straight from its safetensors weights, with numpy and ``onnx.helper``:
no torch, so a fresh serving machine can make its first export with onnxruntime alone.

The graph is Hugging Face's ``BertModel`` in eval mode (absolute positions, ``token_type_ids`` all zero, no pooler)
followed by the pooling of :meth:`engine.encoders.Encoder.pooled`. With ids :math:`t_{1..L}`, mask :math:`m_{1..L}`,
:math:`H` heads of width :math:`d_h` and :math:`\mathrm{LN}` the LayerNorm with the config's ``layer_norm_eps``:

.. math::
    x^{(0)}_l &= \mathrm{LN}(E_{\text{word}}[t_l] + E_{\text{type}}[0] + E_{\text{pos}}[l - 1]) \\
    a &= \mathrm{softmax}\Big(\frac{Q_h K_h^\top}{\sqrt{d_h}} + (1 - m)\, f_{\min}\Big) V_h
        \quad\text{per head } h,\ Q = x W_q^\top + b_q \text{ (same for } K, V) \\
    y &= \mathrm{LN}(x + a W_o^\top + b_o), \qquad
    x^{(k+1)} = \mathrm{LN}\big(y + \mathrm{GELU}(y W_i^\top + b_i) W_d^\top + b_d\big) \\
    \mathrm{GELU}(z) &= \tfrac12 z\,(1 + \mathrm{erf}(z/\sqrt2)) \\
    \bar x &= \frac{\sum_l m_l x^{(N)}_l}{\max(1, \sum_l m_l)}, \qquad
    s = \bar x / \max(\lVert \bar x \rVert_2, 10^{-12})

with :math:`f_{\min}` the most negative float32 (HF's extended attention mask). Outputs: ``token_embeddings``
:math:`x^{(N)}` ``[batch, sequence, d]`` and ``sentence_embedding`` :math:`s` ``[batch, d]``; inputs
``input_ids`` and ``attention_mask`` (int64 ``[batch, sequence]``). Opset 17, which has ``LayerNormalization``
but no ``Gelu``: GELU is spelt ``Div, Erf, Add, Mul, Mul`` as ``torch.onnx.export`` spells it, so onnxruntime fuses
it the same way. Nodes are named like the torch export's (``/encoder/layer.N/output/dense/MatMul`` is the
feed-forward down-projection), so :mod:`engine.onnx_export`'s quantiser settings select the same MatMuls.

Students (:mod:`engine.encoders.students`) are applied in numpy: ``top:N`` and ``full`` deltas replace base tensors (fp16
or bf16 on disk, cast to the base's fp32), LoRA deltas are merged as peft merges them,
:math:`W \leftarrow W + \frac{\alpha}{r} B A`.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from engine.artifacts import DELTA_FILE
from engine.errors import UserError

OPSET = 17
_PROTOBUF_LIMIT = 2**31 - 2**26  # weights above this go to an external data file (protobuf's 2 GB cap, with room)
_PEFT_PREFIX = "base_model.model."


# ----------------------------------------------------------------------------- weights
def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as numpy; bf16 (which numpy lacks) is widened to fp32 exactly."""
    from safetensors.numpy import load_file

    try:
        return load_file(str(path))
    except TypeError:  # "data type 'bfloat16' not understood": read the file by hand (format: u64 n, json, data)
        pass
    except Exception as exc:  # safetensors raises its own error types on corrupt files
        raise UserError(f"{path}: unreadable safetensors file ({exc})") from None
    raw = Path(path).read_bytes()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8 : 8 + n])
    dtypes = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "BF16": "<u2"}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in dtypes:
            raise UserError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        dtype = np.dtype(dtypes[info["dtype"]])  # bf16 read as its bit pattern, the top half of an fp32
        arr = np.frombuffer(raw, dtype=dtype, count=(end - start) // dtype.itemsize, offset=8 + n + start)
        if info["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr.reshape(info["shape"]).copy()
    return out


def load_bert(model_dir: Path) -> tuple[dict[str, np.ndarray], dict]:
    """``(weights, config)`` of a BERT directory (``config.json`` + ``*.safetensors``), keys as ``BertModel``'s
    (a ``bert.`` prefix, as task checkpoints have, is dropped with the heads it comes with)."""
    model_dir = Path(model_dir)
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{model_dir}/config.json: unreadable ({exc})") from None
    check_bert_config(config, model_dir / "config.json")
    weights: dict[str, np.ndarray] = {}
    for path in sorted(model_dir.glob("*.safetensors")):
        weights.update(load_safetensors(path))
    if "embeddings.word_embeddings.weight" not in weights and "bert.embeddings.word_embeddings.weight" in weights:
        weights = {k[5:]: v for k, v in weights.items() if k.startswith("bert.")}
    return weights, config


def read_student_delta(student_dir: Path) -> dict[str, np.ndarray]:
    """The tensors of a student's ``delta.safetensors``."""
    delta = Path(student_dir) / DELTA_FILE
    if not delta.is_file():
        raise UserError(f"{student_dir}: missing {DELTA_FILE}")
    return load_safetensors(delta)


def apply_student_delta(weights: dict[str, np.ndarray], delta: dict[str, np.ndarray], train: dict,
                        where: Path | str = DELTA_FILE) -> dict[str, np.ndarray]:
    """The weights with a student's delta applied, as :func:`engine.encoders.students.apply_delta` applies it (``weights``
    itself is not changed). ``train`` is the card's ``train`` entry: ``mode`` ``full`` / ``top:N`` replace tensors;
    ``lora`` merges :math:`W + \\frac{\\alpha}{r} B A` for every ``lora_A`` / ``lora_B`` pair."""
    out = dict(weights)
    mode = train.get("mode")
    if mode == "lora":
        scaling = float(train.get("lora_alpha", 32)) / float(train.get("lora_r", 16))
        pairs: dict[str, dict[str, np.ndarray]] = {}
        for key, value in delta.items():
            for part in ("lora_A", "lora_B"):
                marker = f".{part}.weight"
                if key.startswith(_PEFT_PREFIX) and key.endswith(marker):
                    target = key[len(_PEFT_PREFIX) : -len(marker)] + ".weight"
                    pairs.setdefault(target, {})[part] = value.astype(np.float32)
                    break
            else:
                raise UserError(f"{where}: tensors do not match the LoRA layout ({key})")
        for target, ab in pairs.items():
            if target not in out or len(ab) != 2:
                raise UserError(f"{where}: tensors do not match the LoRA layout ({target})")
            lora_a, lora_b = ab["lora_A"], ab["lora_B"]
            if (lora_b.shape[0], lora_a.shape[1]) != out[target].shape or lora_b.shape[1] != lora_a.shape[0]:
                raise UserError(f"{where}: LoRA pair for {target} has shapes {lora_a.shape}, {lora_b.shape}")
            out[target] = (out[target] + (lora_b @ lora_a) * np.float32(scaling)).astype(out[target].dtype)
        return out
    if mode != "full" and not (isinstance(mode, str) and mode.startswith("top:")):
        raise UserError(f"{where}: unknown student train mode {mode!r}")
    unknown = [k for k in delta if k not in out]
    if unknown:
        raise UserError(f"{where}: tensors not in the base model: {unknown[:3]}")
    for key, value in delta.items():
        if out[key].shape != value.shape:
            raise UserError(f"{where}: {key} has shape {tuple(value.shape)}, base has {tuple(out[key].shape)}")
        out[key] = value.astype(out[key].dtype)
    return out


# ----------------------------------------------------------------------------- graph
def check_bert_config(config: dict, where: Path | str = "config.json") -> None:
    """Raise a :class:`UserError` unless the torch-free graph computes this model exactly."""
    problems = []
    if config.get("model_type") != "bert":
        problems.append(f"model_type {config.get('model_type')!r} (only 'bert')")
    if config.get("position_embedding_type", "absolute") != "absolute":
        problems.append(f"position_embedding_type {config.get('position_embedding_type')!r} (only 'absolute')")
    if config.get("hidden_act") != "gelu":
        problems.append(f"hidden_act {config.get('hidden_act')!r} (only 'gelu', the exact erf form)")
    if config.get("is_decoder") or config.get("add_cross_attention"):
        problems.append("a decoder (only encoders)")
    try:
        if int(config["hidden_size"]) % int(config["num_attention_heads"]):
            problems.append("hidden_size not a multiple of num_attention_heads")
    except (KeyError, TypeError, ValueError):
        problems.append("no hidden_size / num_attention_heads")
    if problems:
        raise UserError(f"{where}: the torch-free ONNX exporter does not support {'; '.join(problems)}; "
                        f"export with torch instead")


class _Graph:
    """Nodes and initializers, each output named after its node (``<node>_output_0``) as the torch exporter does."""

    def __init__(self):
        self.nodes, self.initializers = [], []

    def const(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, output: str | None = None, **attrs) -> str:
        from onnx import helper

        output = output or f"{name}_output_0"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=name, **attrs))
        return output

    def linear(self, x: str, weights: dict, key: str, scope: str) -> str:
        """``x W^T + b`` of the HF ``nn.Linear`` ``key`` (the weight stored transposed, ``[in, out]``)."""
        w = self.const(f"{key}.weight.T", weights[f"{key}.weight"].T)
        y = self.op("MatMul", [x, w], f"{scope}/MatMul")
        return self.op("Add", [y, self.const(f"{key}.bias", weights[f"{key}.bias"])], f"{scope}/Add")

    def layer_norm(self, x: str, weights: dict, key: str, scope: str, eps: float, output: str | None = None) -> str:
        return self.op("LayerNormalization", [x, self.const(f"{key}.weight", weights[f"{key}.weight"]),
                                              self.const(f"{key}.bias", weights[f"{key}.bias"])],
                       f"{scope}/LayerNormalization", output, axis=-1, epsilon=eps)


def _required(config: dict) -> list[str]:
    names = [f"embeddings.{n}.weight" for n in ("word_embeddings", "position_embeddings", "token_type_embeddings",
                                                 "LayerNorm")] + ["embeddings.LayerNorm.bias"]
    for i in range(int(config["num_hidden_layers"])):
        for part in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                     "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"):
            names += [f"encoder.layer.{i}.{part}.weight", f"encoder.layer.{i}.{part}.bias"]
    return names


def build_bert_model(weights: dict[str, np.ndarray], config: dict):
    """The ``onnx.ModelProto`` of the module docstring's graph (fp32 initializers)."""
    from onnx import TensorProto, helper

    check_bert_config(config)
    missing = [k for k in _required(config) if k not in weights]
    if missing:
        raise UserError(f"weights lack {len(missing)} BertModel tensors ({', '.join(missing[:3])}); not a BERT "
                        f"encoder checkpoint")
    weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    head_dim, eps = hidden // heads, float(config.get("layer_norm_eps", 1e-12))
    g = _Graph()
    f32 = lambda name, value: g.const(name, np.array(value, dtype=np.float32))
    i64 = lambda name, value: g.const(name, np.array(value, dtype=np.int64))

    # embeddings: word + type[0] + position, then LayerNorm (HF's order of additions)
    x = g.op("Gather", [g.const("embeddings.word_embeddings.weight", weights["embeddings.word_embeddings.weight"]),
                        "input_ids"], "/embeddings/word_embeddings/Gather", axis=0)
    x = g.op("Add", [x, g.const("embeddings.token_type_embeddings.row0",
                                weights["embeddings.token_type_embeddings.weight"][0])], "/embeddings/Add")
    length = g.op("Shape", ["input_ids"], "/embeddings/Shape", start=1, end=2)
    positions = g.op("Slice", [g.const("embeddings.position_embeddings.weight",
                                       weights["embeddings.position_embeddings.weight"]),
                               i64("/embeddings/zero", [0]), length, i64("/embeddings/axis0", [0])],
                     "/embeddings/position_embeddings/Slice")
    x = g.op("Add", [x, positions], "/embeddings/Add_1")
    x = g.layer_norm(x, weights, "embeddings.LayerNorm", "/embeddings/LayerNorm", eps)

    # extended attention mask [batch, 1, 1, sequence]: 0 for tokens, the most negative float for padding; spelt
    # Unsqueeze, Unsqueeze, Cast, Sub, Mul, the pattern onnxruntime's attention fusion (fast_int8) recognises
    blocked = g.op("Unsqueeze", ["attention_mask", i64("/mask/axis1", [1])], "/mask/Unsqueeze")
    blocked = g.op("Unsqueeze", [blocked, i64("/mask/axis2", [2])], "/mask/Unsqueeze_1")
    blocked = g.op("Cast", [blocked], "/mask/Cast", to=TensorProto.FLOAT)
    blocked = g.op("Sub", [f32("/mask/one", 1.0), blocked], "/mask/Sub")
    blocked = g.op("Mul", [blocked, f32("/mask/min", np.finfo(np.float32).min)], "/mask/Mul")

    split_heads = i64("/attention/split_heads", [0, 0, heads, head_dim])
    merge_heads = i64("/attention/merge_heads", [0, 0, hidden])
    scale = f32("/attention/sqrt_head_dim", np.sqrt(head_dim))
    sqrt2, one, half = f32("/gelu/sqrt2", np.sqrt(2.0)), f32("/gelu/one", 1.0), f32("/gelu/half", 0.5)
    layers = int(config["num_hidden_layers"])
    for i in range(layers):
        key, scope = f"encoder.layer.{i}", f"/encoder/layer.{i}"
        qkv = {}
        for part, perm in (("query", [0, 2, 1, 3]), ("key", [0, 2, 3, 1]), ("value", [0, 2, 1, 3])):
            s = f"{scope}/attention/self/{part}"
            y = g.linear(x, weights, f"{key}.attention.self.{part}", s)
            y = g.op("Reshape", [y, split_heads], f"{s}/Reshape")
            qkv[part] = g.op("Transpose", [y], f"{s}/Transpose", perm=perm)
        s = f"{scope}/attention/self"
        scores = g.op("MatMul", [qkv["query"], qkv["key"]], f"{s}/MatMul")
        scores = g.op("Div", [scores, scale], f"{s}/Div")
        scores = g.op("Add", [scores, blocked], f"{s}/Add")
        probs = g.op("Softmax", [scores], f"{s}/Softmax", axis=-1)
        context = g.op("MatMul", [probs, qkv["value"]], f"{s}/MatMul_1")
        context = g.op("Transpose", [context], f"{s}/Transpose", perm=[0, 2, 1, 3])
        context = g.op("Reshape", [context, merge_heads], f"{s}/Reshape")
        s = f"{scope}/attention/output"
        y = g.linear(context, weights, f"{key}.attention.output.dense", f"{s}/dense")
        y = g.op("Add", [y, x], f"{s}/Add")
        y = g.layer_norm(y, weights, f"{key}.attention.output.LayerNorm", f"{s}/LayerNorm", eps)
        s = f"{scope}/intermediate"
        h = g.linear(y, weights, f"{key}.intermediate.dense", f"{s}/dense")
        erf = g.op("Erf", [g.op("Div", [h, sqrt2], f"{s}/intermediate_act_fn/Div")], f"{s}/intermediate_act_fn/Erf")
        erf = g.op("Add", [erf, one], f"{s}/intermediate_act_fn/Add")
        h = g.op("Mul", [h, erf], f"{s}/intermediate_act_fn/Mul")
        h = g.op("Mul", [h, half], f"{s}/intermediate_act_fn/Mul_1")
        s = f"{scope}/output"
        z = g.linear(h, weights, f"{key}.output.dense", f"{s}/dense")  # the GELU-fed down-projection
        z = g.op("Add", [z, y], f"{s}/Add")
        x = g.layer_norm(z, weights, f"{key}.output.LayerNorm", f"{s}/LayerNorm", eps,
                         output="token_embeddings" if i == layers - 1 else None)

    # mask-aware mean, then L2 normalisation
    mask = g.op("Cast", ["attention_mask"], "/pool/Cast", to=TensorProto.FLOAT)
    m = g.op("Unsqueeze", [mask, i64("/pool/axis2", [2])], "/pool/Unsqueeze")
    total = g.op("ReduceSum", [g.op("Mul", [x, m], "/pool/Mul"), i64("/pool/axis1", [1])], "/pool/ReduceSum",
                 keepdims=0)
    count = g.op("ReduceSum", [m, i64("/pool/axis1", [1])], "/pool/ReduceSum_1", keepdims=0)
    count = g.op("Max", [count, f32("/pool/one", 1.0)], "/pool/Max")
    mean = g.op("Div", [total, count], "/pool/Div")
    norm = g.op("ReduceL2", [mean], "/normalize/ReduceL2", axes=[1], keepdims=1)
    norm = g.op("Max", [norm, f32("/normalize/eps", 1e-12)], "/normalize/Max")
    g.op("Div", [mean, norm], "/normalize/Div", output="sentence_embedding")

    g.initializers = list({t.name: t for t in g.initializers}.values())  # constants shared by name: once
    ids_type = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
                for n in ("input_ids", "attention_mask")]
    outputs = [helper.make_tensor_value_info("token_embeddings", TensorProto.FLOAT, ["batch", "sequence", hidden]),
               helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])]
    graph = helper.make_graph(g.nodes, "bert_encoder", ids_type, outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="optical-clir engine.onnx_graph")
    model.ir_version = 8  # what opset 17 needs; older onnxruntimes refuse newer IR versions
    return model


def build_bert_onnx(weights: dict[str, np.ndarray], config: dict, path: Path) -> Path:
    """Write the fp32 graph (module docstring) to ``path``: one protobuf file, or with an external data file
    ``<name>.data`` beside it when the weights pass protobuf's 2 GB limit. Returns ``path``."""
    import onnx

    path = Path(path)
    model = build_bert_model(weights, config)
    size = sum(v.size for v in weights.values()) * 4
    if size < _PROTOBUF_LIMIT:
        onnx.save_model(model, str(path))
    else:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=f"{path.name}.data", size_threshold=1024)
    return path
