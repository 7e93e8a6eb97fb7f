"""Inner-product top-k search over passage vectors.

Small collections (the built-in ones) use an exact search in chunks with
torch; large ones use FAISS (exact flat inner-product index), chosen by size.
Both return the same ranking on the same vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from harness.method import Ranking

FAISS_ABOVE = 200_000  # passages; below this the chunked matrix product is as fast and needs no index
CHUNK = 65_536


def exact_search(queries: np.ndarray, passages: np.ndarray, depth: int, chunk: int = CHUNK) -> tuple[np.ndarray, np.ndarray]:
    """(scores, indices), each [n_queries, k], best first; passages scanned ``chunk`` rows at a time."""
    q = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))
    k = min(depth, len(passages))
    best_scores = torch.full((len(q), 0), float("-inf"))
    best_index = torch.zeros((len(q), 0), dtype=torch.long)
    for start in range(0, len(passages), chunk):
        block = torch.from_numpy(np.ascontiguousarray(passages[start : start + chunk], dtype=np.float32))
        scores = torch.cat([best_scores, q @ block.T], dim=1)
        index = torch.cat([best_index, torch.arange(start, start + len(block)).expand(len(q), -1)], dim=1)
        best_scores, position = torch.topk(scores, min(k, scores.shape[1]), dim=1)
        best_index = torch.gather(index, 1, position)
    return best_scores.numpy(), best_index.numpy()


def faiss_search(queries: np.ndarray, passages: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    index = faiss.IndexFlatIP(passages.shape[1])
    index.add(np.ascontiguousarray(passages, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), min(depth, len(passages)))


def search(
    query_ids: Sequence[str], queries: np.ndarray, doc_ids: Sequence[str], passages: np.ndarray, depth: int,
    backend: str = "auto",
) -> Ranking:
    if backend == "auto":
        backend = "faiss" if len(doc_ids) > FAISS_ABOVE else "exact"
    scores, index = (faiss_search if backend == "faiss" else exact_search)(queries, passages, depth)
    return {
        qid: [(doc_ids[i], float(s)) for s, i in zip(row_scores, row_index) if i >= 0]
        for qid, row_scores, row_index in zip(query_ids, scores, index)
    }
