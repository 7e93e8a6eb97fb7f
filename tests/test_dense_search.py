"""Exact chunked search and FAISS give the same rankings."""

import numpy as np

from harness.retrieval import dense


def vectors(n, d=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_chunked_exact_search_equals_full_sort():
    queries, passages = vectors(7, seed=1), vectors(500, seed=2)
    scores, index = dense.exact_search(queries, passages, depth=20, chunk=64)
    full = queries @ passages.T
    expected = np.argsort(-full, axis=1)[:, :20]
    assert np.array_equal(index, expected)
    assert np.allclose(scores, np.take_along_axis(full, expected, axis=1), atol=1e-6)


def test_faiss_and_exact_agree_and_depth_is_capped():
    queries, passages = vectors(5, seed=3), vectors(300, seed=4)
    ids = [f"d{i}" for i in range(300)]
    exact = dense.search([f"q{i}" for i in range(5)], queries, ids, passages, depth=1000, backend="exact")
    faiss = dense.search([f"q{i}" for i in range(5)], queries, ids, passages, depth=1000, backend="faiss")
    assert all(len(hits) == 300 for hits in exact.values())
    for qid in exact:
        assert [d for d, _ in exact[qid]] == [d for d, _ in faiss[qid]]
        assert np.allclose([s for _, s in exact[qid]], [s for _, s in faiss[qid]], atol=1e-5)
