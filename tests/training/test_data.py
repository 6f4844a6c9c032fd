"""The training bitext of a run: a user file's own dev split beside it is used; otherwise a held-out slice."""

import gzip

from engine.training.config import DistillConfig
from engine.training.data import load_training_pairs


def _write(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("".join(f"{en}\t{x}\n" for en, x in rows))


def test_dev_split_beside_a_train_file_is_used(tmp_path):
    train = [(f"train sentence {i}", f"mutsara {i}") for i in range(50)]
    dev = [(f"dev sentence {i}", f"dev mutsara {i}") for i in range(7)]
    _write(tmp_path / "tn.train.tsv.gz", train)
    _write(tmp_path / "tn.dev.tsv.gz", dev)
    triples, dev_pairs, summary = load_training_pairs(
        DistillConfig(bitext=[str(tmp_path / "tn.train.tsv.gz")], langs=["tsn"], out=str(tmp_path / "run")))
    assert sorted(dev_pairs["tn"]) == sorted(dev) and summary["tn"]["train"] == 50
    assert {en for _, en, _ in triples} == {en for en, _ in train}


def test_a_file_without_one_gives_up_a_held_out_slice(tmp_path):
    rows = [(f"sentence {i}", f"mutsara {i}") for i in range(50)]
    _write(tmp_path / "mine.tsv.gz", rows)
    triples, dev_pairs, _ = load_training_pairs(
        DistillConfig(bitext=[str(tmp_path / "mine.tsv.gz")], langs=["tn"], out=str(tmp_path / "run")))
    assert len(dev_pairs["tn"]) == 5 and len(triples) == 45
    assert not {en for en, _ in dev_pairs["tn"]} & {en for _, en, _ in triples}
