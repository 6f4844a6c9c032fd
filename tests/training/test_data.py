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


def test_pairs_left_out_by_max_pairs_become_dev_distractors(tmp_path, tiny_encoder):
    import numpy as np

    from engine.training.dev import DevSet, rr_at_10

    rows = [(f"sentence {i}", f"mutsara {i}") for i in range(60)]
    _write(tmp_path / "mine.tsv.gz", rows)
    unused: list[str] = []
    triples, dev_pairs, _ = load_training_pairs(
        DistillConfig(bitext=[str(tmp_path / "mine.tsv.gz")], langs=["tn"], out=str(tmp_path / "run"), max_pairs=20),
        unused)
    trained = {en for _, en, _ in triples}
    dev_english = {en for en, _ in dev_pairs["tn"]}
    assert len(triples) == 20 and len(unused) == 34  # 60 - 6 held out - 20 trained
    assert not set(unused) & trained and not set(unused) & dev_english

    plain = DevSet(dev_pairs, tiny_encoder)
    hard = DevSet(dev_pairs, tiny_encoder, distractors=unused + sorted(dev_english))  # dev texts are dropped
    assert hard.distractors == unused and len(hard.docs["tn"]) == len(dev_pairs["tn"]) + len(unused)
    assert hard.base["tn"] <= plain.base["tn"]  # more documents to beat: never easier
    # rr_at_10 against a numpy oracle: query i's rank of document i among all documents
    q = tiny_encoder.encode([x for _, x in dev_pairs["tn"]], kind="query")
    scores = q @ hard.docs["tn"].T
    ranks = [(scores[i] > scores[i, i]).sum() + 1 for i in range(len(q))]
    assert np.isclose(rr_at_10(q, hard.docs["tn"]), np.mean([1 / r if r <= 10 else 0 for r in ranks]))


def test_local_batches_keep_the_sampled_pairs_in_file_order(tmp_path):
    rows = [(f"verse {i}", f"vesi {i}") for i in range(60)]
    _write(tmp_path / "ny.train.tsv.gz", rows)
    _write(tmp_path / "ny.dev.tsv.gz", [("dev", "dev")])
    config = dict(bitext=[str(tmp_path / "ny.train.tsv.gz")], langs=["ny"], out=str(tmp_path / "run"), max_pairs=20)
    shuffled, _, _ = load_training_pairs(DistillConfig(**config))
    local, _, _ = load_training_pairs(DistillConfig(**config, local_batches=4))
    order = [int(en.split()[1]) for _, en, _ in local]
    assert order == sorted(order) and len(order) == 20  # back in file order: neighbours stay neighbours
    assert {en for _, en, _ in local} == {en for _, en, _ in shuffled}  # the same random sample of 20
    assert [int(en.split()[1]) for _, en, _ in shuffled] != order
