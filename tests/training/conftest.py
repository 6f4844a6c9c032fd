import random

import pytest

SW = ["mtu", "haki", "watoto", "mpira", "nyumba", "maji", "chakula", "shule", "kazi", "uhuru", "amani", "serikali"]
EN = ["person", "right", "children", "ball", "house", "water", "food", "school", "work", "freedom", "peace",
      "government"]


@pytest.fixture(scope="session")
def word_bitext(tmp_path_factory):
    """Word-for-word Swahili–English phrase pairs: a bitext whose alignment is known exactly."""
    rng = random.Random(0)
    path = tmp_path_factory.mktemp("bitext") / "sw.tsv"
    lines = []
    for _ in range(240):
        idx = rng.sample(range(len(SW)), 4)
        lines.append(" ".join(EN[j] for j in idx) + "\t" + " ".join(SW[j] for j in idx))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _teacher_trainable_again(request):
    """``distill`` freezes the teacher it is given; give the session's shared ``tiny_encoder`` back as it was, so
    tests elsewhere that backpropagate through it (tests/encoders) do not depend on running before these."""
    if "tiny_encoder" not in request.fixturenames:
        yield
        return
    model = request.getfixturevalue("tiny_encoder").model
    before = [p.requires_grad for p in model.parameters()]
    yield
    for p, flag in zip(model.parameters(), before):
        p.requires_grad_(flag)
