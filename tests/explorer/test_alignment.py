"""Transport plans for display: checked against POT's Sinkhorn on the same cost and marginals."""

import numpy as np
import pytest

from engine.errors import UserError
from explorer.alignment import TokenIdf, align, check_eps, plan_between


def test_plan_matches_pot_and_marginals(tiny_encoder):
    import ot

    al = align(tiny_encoder, tiny_encoder, "Binadamu wote wamezaliwa huru", "All human beings are born free", eps=0.1)
    n, m = len(al.query_tokens), len(al.english_tokens)
    assert al.plan.shape == al.cosine.shape == (n, m)
    np.testing.assert_allclose(al.plan.sum(1), np.full(n, 1 / n), atol=1e-4)
    np.testing.assert_allclose(al.plan.sum(0), np.full(m, 1 / m), atol=1e-4)
    oracle = ot.sinkhorn(al.a.astype(np.float64), al.b.astype(np.float64), 1.0 - al.cosine.astype(np.float64),
                         0.1, numItermax=5000, stopThr=1e-10)
    np.testing.assert_allclose(al.plan, oracle, atol=2e-4)


def test_top_pairs_are_heaviest_first(tiny_encoder):
    al = align(tiny_encoder, tiny_encoder, "ndine njira", "I am the way", eps=0.05)
    pairs = al.top_pairs(5)
    masses = [p[2] for p in pairs]
    assert masses == sorted(masses, reverse=True) and masses[0] == pytest.approx(al.plan.max())
    assert {p[0] for p in pairs} <= set(al.query_tokens)


def test_idf_marginals_weight_rare_tokens(tiny_encoder):
    idf = TokenIdf.from_texts(tiny_encoder.tokenizer, ["the way", "the truth", "the life"])
    q = tiny_encoder.encode_tokens(["the way"], kind="query")[0]
    e = tiny_encoder.encode_tokens(["the truth"], kind="passage")[0]
    al = plan_between(q, e, eps=0.1, marginals="idf", idf=idf)
    weights = dict(zip(al.query_tokens, al.a))
    assert weights["▁way"] > weights["▁the"]
    assert al.a.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("eps", [0, -1, 5, "abc", None])
def test_bad_eps_is_a_user_error(eps):
    with pytest.raises(UserError, match="ε"):
        check_eps(eps)


# ---------------------------------------------------------------- words, reasons and the figure (engine.explain)

def test_words_read_the_same_plan(tiny_encoder):
    from engine.explain import group_words, merge_mass

    al = align(tiny_encoder, tiny_encoder, "Binadamu wote wamezaliwa huru.", "All human beings are born free.")
    ex = al.words()
    assert ex is al.words()  # computed once
    assert ex.eps == al.eps == pytest.approx(0.01)
    expected = merge_mass(al.plan, group_words(al.query_tokens), group_words(al.english_tokens))
    np.testing.assert_allclose(ex.plan, expected, atol=1e-6)
    np.testing.assert_allclose(ex.share.sum(1), 1.0, atol=1e-6)
    assert ex.query_words == ["Binadamu", "wote", "wamezaliwa", "huru", "."]
    assert ex.doc_words[-1] == "." and ex.doc.punct[-1]


def test_result_reasons_are_each_hits_top_links(tiny_encoder):
    from engine.explain import explain_match
    from explorer.alignment import PASSAGES, result_reasons

    PASSAGES.clear()
    texts = ["I am the way, the truth, and the life.", "All human beings are born free."]
    reasons = result_reasons(tiny_encoder, tiny_encoder, "ndine njira ndi moyo", texts, k=3)
    assert len(reasons) == 2 and all(1 <= len(r) <= 3 for r in reasons)
    q = tiny_encoder.encode_tokens(["ndine njira ndi moyo"], kind="query")[0]
    d = tiny_encoder.encode_tokens([texts[0]], kind="passage")[0]
    oracle = explain_match(q.tokens, d.tokens, q.embeddings, d.embeddings).top_links(3)
    assert [(lk.query, lk.doc) for lk in reasons[0]] == [(lk.query, lk.doc) for lk in oracle]
    assert [lk.weight for lk in reasons[0]] == pytest.approx([lk.weight for lk in oracle], abs=1e-5)
    assert result_reasons(tiny_encoder, tiny_encoder, "x", []) == []


def test_passages_are_encoded_once(tiny_encoder):
    from explorer.alignment import PASSAGES

    calls = []

    class Counting:
        fingerprint = "counting"

        def encode_tokens(self, texts, kind, max_length):
            calls.append(list(texts))
            return tiny_encoder.encode_tokens(texts, kind=kind, max_length=max_length)

    enc = Counting()
    PASSAGES.clear()
    first = PASSAGES.encode(enc, ["a b", "c d"], 40)
    second = PASSAGES.encode(enc, ["c d", "e f", "a b"], 40)
    assert calls == [["a b", "c d"], ["e f"]]
    assert second[0] is first[1] and second[2] is first[0]


def test_plan_figure_is_word_level_with_maxsim_on_fixed_scales(tiny_encoder):
    from explorer.render import link_rows, pairs_rows, plan_figure

    al = align(tiny_encoder, tiny_encoder, "ndine njira, ndi moyo", "I am the way, and the life.")
    fig = plan_figure(al, "base <b>x</b>")
    heat, marks, bars = fig.data
    ex = al.words()
    assert (heat.type, marks.type, bars.type) == ("heatmap", "scatter", "bar")
    assert (heat.zmin, heat.zmax) == (0.0, 1.0) and tuple(fig.layout.xaxis2.range) == (0, 1)
    assert heat.colorscale[0][1] == "#f7fbff"  # white = no mass, on every model's figure
    assert list(heat.y) == ex.query_words and len(heat.x) == len(ex.doc_words)
    assert len(marks.x) == len(ex.query_words) and list(bars.text) == [m.doc for m in ex.maxsim]
    assert "ε=0.01" in fig.layout.title.text and "&lt;b&gt;" in fig.layout.title.text
    rows = pairs_rows(al, 3)
    assert rows[0][2] == pytest.approx(round(float(ex.plan.max()), 4)) and len(rows[0]) == 4
    assert all(r[0] not in {","} for r in link_rows(al))


def test_hits_show_escaped_reasons_and_an_alignment_link():
    from types import SimpleNamespace

    from engine.explain import WordLink
    from explorer.hits_view import hits_html

    hit = SimpleNamespace(rank=1, score=0.9, title="t", doc_id='d"1', text="some text")
    result = SimpleNamespace(hits=[hit], relevance=[], routed_to_base=False, no_strong_match=False, lang="ny")
    out = hits_html(result, reasons=[[WordLink("<mpira>", "football", 0.81, 0.7, 0, 1)]])
    assert "why:" in out and "&lt;mpira&gt;" in out and "81%" in out and "class='oc-share'" in out
    assert 'data-doc="d&quot;1"' in out  # the id reaches the alignment link escaped
    assert "why:" not in hits_html(result)
