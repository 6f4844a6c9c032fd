"""End to end, with the real base model: the app served on a free localhost port, called through gradio_client."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served["url"], verbose=False)


def test_chichewa_query_finds_its_passage(served, client):
    status, _, _, student_side, payload, _, _, _ = client.predict(served["query"], "auto", "base", "default",
                                                                  api_name="/search")
    top = [h["doc_id"] for h in payload["hits"]]
    assert len(top) == 10 and served["passage"] in top, (status, top)
    assert "student not available" in student_side


def test_align_through_the_client(served, client):
    base_plot, student_plot, base_pairs, _, status = client.predict(
        served["query"], served["passage"], "", "ny", 0.05, "uniform", "default", api_name="/align")
    assert "Chichewa" in status and base_plot is not None and student_plot is None
    assert len(base_pairs["data"]) == 10
    assert base_pairs["data"][0][2] >= base_pairs["data"][-1][2]


def test_bad_input_through_the_client(client):
    status = client.predict("🙂🙂🙂", "auto", "base", "default", api_name="/search")[0]
    assert status.startswith("⚠️") and "no letters" in status
    status = client.predict("x" * 10_000, "auto", "base", "default", api_name="/search")[0]
    assert "characters long" in status


def test_twenty_simultaneous_searches(served):
    from gradio_client import Client

    queries = [served["query"], "Yesu anati kwa iye", "Mulungu ndiye chikondi", "Ndipo Petro anati"] * 5

    def one(q):
        return Client(served["url"], verbose=False).predict(q, "ny", "base", "default", api_name="/search")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, queries))
    assert len(answers) == 20
    assert all(not a[0].startswith("⚠️") and len(a[4]["hits"]) == 10 for a in answers)
