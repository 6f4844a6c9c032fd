"""The distillation config: every knob of a run, saved as JSON beside every checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.ot.defaults import SINKHORN


@dataclass
class DistillConfig:
    bitext: list[str]  # files: TSV / JSONL / "en_file,other_file"; "shipped:<lang>[:<source>]" for shipped data
    langs: list[str]  # language of each bitext entry (same length as bitext)
    out: str
    base: str = "multilingual-e5-small"
    loss: str = "ot-contrastive"  # a name in engine.losses.LOSSES: ot-contrastive | ot-align | mse | infonce
    train: str = "top:4"  # full | top:N | lora
    lora_r: int = 16
    lora_alpha: int = 32
    max_pairs: int | None = None  # per language, after shuffling (learning curves)
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 32
    max_length: int = 64  # tokens per side, including specials and prefix
    lr: float = 2e-5
    weight_decay: float = 0.01
    warmup: float = 0.1  # fraction of steps
    grad_clip: float = 1.0
    eps: float = SINKHORN.eps  # Sinkhorn entropic regularisation
    tau: float = 0.02  # contrastive temperature
    sinkhorn_iter: int = SINKHORN.max_iter
    lambda_en: float = 0.1  # weight of W(e, S(e)), which keeps the student's English where the teacher's is
    english_term: str = "ot"  # the λ term: "ot" (W(e, S(e))) or "mse" (pooled)
    eval_every: int = 200  # steps between dev evaluations (and checkpoints)
    dev_pairs: int = 200  # per language
    dev_distractors: int = 0  # English sentences of pairs never trained on, added to every language's dev documents
    english_guard: float = 0.02  # max drop of English dev RR@10 allowed for a checkpoint to be selected
    seed: int = 13
    save_dtype: str = "float16"
    threads: int | None = None
    precision: str = "auto"  # fp32 | bf16 (autocast for the transformer layers; OT and losses stay fp32) | auto
    init: str | None = None  # a student directory to continue from (students that grow); same base and --train
    replay_pairs: int = 0  # with init: pairs of each of the init student's own languages replayed from shipped bitext
    language_guard: float = 0.01  # with init: max drop of any language's dev RR@10 below the init student's
    passage_side: float = 0.0  # λ_d: the loss again on passage-prefixed pairs (the student's document side); 0 = off
    passage_weight: float = 0.0  # λ_p of the pseudo-passage term (engine.training.passages); 0 = off
    passage_window_side: float = 0.0  # λ_w: the student's document side on pseudo-passages (passages.py); 0 = off
    language_parity: float = 0.0  # λ_par: a query scores each unit's two document versions alike (parity.py)
    passage_window_rows: int = 8  # pseudo-passages the student encodes per step for λ_w (the rest: negatives only)
    passage_units: int = 5  # consecutive bitext units per pseudo-passage
    passage_max_length: int = 256  # tokens of a teacher pseudo-passage
    length_buckets: bool = True  # batches of similar-length pairs: less padding, same pairs per epoch
    local_batches: int = 0  # blocks of this many consecutive pairs (file order) fill each batch: neighbours as hard
    # negatives (engine.training.batching); 0 = off; replaces length buckets
    extra: dict = field(default_factory=dict)
