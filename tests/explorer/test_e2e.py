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


def test_reasons_follow_a_search_through_the_client(served, client):
    import time

    payload = client.predict(served["query"], "ny", "base", "default", api_name="/search")[4]
    start = time.perf_counter()
    results, base_side, _, with_reasons = client.predict(api_name="/reasons")  # this client's last search
    seconds = time.perf_counter() - start
    assert [h["doc_id"] for h in with_reasons["hits"]] == [h["doc_id"] for h in payload["hits"]]
    assert all(1 <= len(h["why"]) <= 3 for h in with_reasons["hits"]), with_reasons["hits"][0]
    assert results.count("class='oc-reasons'") == 10 and base_side.count("class='oc-reasons'") == 10
    print(f"reasons for 10 hits: {seconds * 1000:.0f} ms", with_reasons["hits"][0]["why"])


def test_align_through_the_client(served, client):
    from explorer.render import LINK_HEADERS

    base_plot, student_plot, base_pairs, _, base_links, _, status = client.predict(
        served["query"], served["passage"], "", "ny", 0.05, "uniform", "default", api_name="/align")
    assert "Chichewa" in status and base_plot is not None and student_plot is None
    assert len(base_pairs["data"]) == 10 and base_pairs["headers"] == ["query word", "English word", "mass", "cosine"]
    assert base_pairs["data"][0][2] >= base_pairs["data"][-1][2]
    assert base_links["headers"] == LINK_HEADERS and len(base_links["data"]) >= 3


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
