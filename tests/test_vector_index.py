"""Exact and approximate nearest-vector search: the approximate index finds what exact search finds."""

import numpy as np
import pytest

import askdefector
from askdefector import vector_index
from askdefector.vector_index import ApproximateIndex, ExactIndex, nearest_index
from conftest import CORPUS
from gold import ANSWERABLE


@pytest.fixture(scope="module")
def clustered() -> np.ndarray:
    """Unit vectors around 40 centres, like embeddings of texts on a few topics."""
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((40, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 40, 4000)] + 0.6 * rng.standard_normal((4000, 64)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def queries(vectors: np.ndarray, n: int = 50) -> np.ndarray:
    q = vectors[:n] + 0.3 * np.random.default_rng(8).standard_normal((n, vectors.shape[1])).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def test_approximate_search_finds_what_exact_search_finds(clustered):
    exact, approximate = ExactIndex(clustered), ApproximateIndex.build(clustered)
    recall = []
    for q in queries(clustered):
        want, _ = exact.search(q, 10)
        got, got_scores = approximate.search(q, 10)
        recall.append(len(set(want) & set(got)) / 10)
        assert list(got_scores) == sorted(got_scores, reverse=True)
        np.testing.assert_allclose(got_scores, clustered[got] @ q, rtol=1e-5)  # exact cosines, not quantised
    assert np.mean(recall) >= 0.95


def test_saved_index_is_reopened_and_a_damaged_one_rebuilt(clustered, tmp_path, monkeypatch):
    monkeypatch.setattr(vector_index, "ANN_ABOVE", 100)
    path = tmp_path / "index.faiss"
    built = nearest_index(clustered, path)
    assert built.kind == "approximate" and path.exists()
    q = queries(clustered, 1)[0]
    assert list(ApproximateIndex.load(path, clustered).search(q, 10)[0]) == list(built.search(q, 10)[0])
    assert ApproximateIndex.load(path, clustered[:500]) is None  # an index of other vectors is not used
    path.write_bytes(b"not an index")
    again = nearest_index(clustered, path)
    assert again.kind == "approximate" and list(again.search(q, 10)[0]) == list(built.search(q, 10)[0])


def test_small_corpora_are_searched_exactly(clustered):
    assert nearest_index(clustered[:50]).kind == "exact"


def test_knowledge_base_answers_the_same_through_the_approximate_index(kb, kb_cache, monkeypatch):
    monkeypatch.setattr(vector_index, "ANN_ABOVE", 10)
    large = askdefector.open(CORPUS, cache_dir=kb_cache, verify=True)  # built again, not the saved exact index
    assert large.store.nearest.kind == "approximate" and kb.store.nearest.kind == "exact"
    assert list(kb_cache.glob("*/ann-*.faiss")), "the index is saved beside the vectors"
    for question, _ in ANSWERABLE:
        assert [q.text for q in large.ask(question).quotes] == [q.text for q in kb.ask(question).quotes]
        assert [h.passage for h in large.search(question, k=3)] == [h.passage for h in kb.search(question, k=3)]
