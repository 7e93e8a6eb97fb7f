"""Inner-product top-k search over passage vectors.

Small collections (the built-in ones) use an exact search in chunks with
torch; large ones use FAISS (exact flat inner-product index), chosen by size.
Both return the same ranking on the same vectors.

Several rows may belong to one document (MaxP: one row per window of a long
passage).  A document then scores the max over its rows and is listed once:
the search takes the top rows, keeps each document's first (best) row, and
asks for more rows until ``depth`` distinct documents are found or every row
has been seen, so the result is exact.
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


def best_per_document(doc_ids: Sequence[str], scores: np.ndarray, index: np.ndarray) -> list[tuple[str, float]]:
    """Rows best first -> documents best first, each with its best row's score, each once."""
    ranked: dict[str, float] = {}
    for score, i in zip(scores, index):
        if i >= 0 and doc_ids[i] not in ranked:
            ranked[doc_ids[i]] = float(score)
    return list(ranked.items())


def search(
    query_ids: Sequence[str], queries: np.ndarray, doc_ids: Sequence[str], passages: np.ndarray, depth: int,
    backend: str = "auto",
) -> Ranking:
    """Top ``depth`` documents per query by inner product; ``doc_ids[i]`` owns row ``i`` of ``passages``.

    A document owning several rows scores the max over them (MaxP) and appears once.
    """
    if backend == "auto":
        backend = "faiss" if len(doc_ids) > FAISS_ABOVE else "exact"
    find = faiss_search if backend == "faiss" else exact_search
    queries = np.asarray(queries)
    wanted = min(depth, len(set(doc_ids)))
    found: dict[int, list[tuple[str, float]]] = {}
    pending, rows = list(range(len(query_ids))), depth
    while pending:
        rows = min(rows, len(passages))
        scores, index = find(queries[pending], passages, rows)
        short = []
        for q, row_scores, row_index in zip(pending, scores, index):
            ranked = best_per_document(doc_ids, row_scores, row_index)
            if len(ranked) >= wanted or rows >= len(passages):
                found[q] = ranked[:depth]
            else:  # some documents own several of the top rows: look deeper
                short.append(q)
        pending, rows = short, max(2 * rows, 1)
    return {qid: found[q] for q, qid in enumerate(query_ids)}
