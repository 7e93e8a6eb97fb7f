"""A harness method as a PyTerrier transformer (PyTerrier is an optional extra: ``pip install .[pyterrier]``).

Recipe::

    from harness.interop.pyterrier import as_transformer
    pipeline = as_transformer("mdpr", "ntrex", "en-sw") % 10

``pipeline`` takes PyTerrier's query frame (``qid, query``) and returns its result frame
(``qid, docno, score, rank, query``, ``rank`` from 0, ranked as the harness's run files are:
score descending, then doc id descending), so it composes with PyTerrier's operators
(``%``, ``>>``, ``pt.Experiment``).  The method retrieves exactly as ``python -m harness run``
does: same registry entry, parameters (``params`` overrides the defaults, checked), cache
folder and collection; its documents are indexed (encoded, translated...) once, when the
transformer is made.

Offline: the transformer is ``pt.apply.generic`` over the harness's own retriever, so it
never starts Java and never downloads Terrier's jars; only PyTerrier's Terrier parts
(``pt.terrier``, ``pt.java.init()``) need the network (Maven) on first use, and nothing here uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from harness.errors import HarnessError, UsageError

RESULT_COLUMNS = ["qid", "docno", "score", "rank", "query"]


def as_transformer(
    method_name: str,
    collection: str = "ntrex",
    pair: str = "en-sw",
    params: Mapping[str, Any] | None = None,
    depth: int = 1000,
    out: Path | None = None,
):
    """A PyTerrier transformer retrieving the top ``depth`` documents of ``collection``/``pair`` with ``method_name``.

    ``out``: the results folder, for the fusion methods (they read their members' saved runs there).
    Raises UsageError for an unknown method, collection, pair or parameter, and the method's
    Unavailable (a HarnessError) when it cannot run here (e.g. its model is not available offline).
    """
    import pyterrier as pt  # optional extra: imported only when asked for

    from harness.data.collections import COLLECTIONS, load_topics
    from harness.data.pairs import get_pair
    from harness.method import Unavailable
    from harness.files.paths import cache_dir
    from harness.registry import METHODS
    from harness.evaluation.runs import trec_order
    from harness.executors.local import board_topics

    if method_name not in METHODS:
        raise UsageError(f"unknown method {method_name!r}; valid: {', '.join(METHODS)}")
    if collection not in COLLECTIONS:
        raise UsageError(f"unknown collection {collection!r}; valid: {', '.join(COLLECTIONS)}")
    try:
        language_pair = get_pair(pair)
    except KeyError:
        served = ", ".join(COLLECTIONS[collection].pairs)
        raise UsageError(f"unknown pair {pair!r}; {collection} serves: {served}") from None
    if depth < 1:
        raise UsageError(f"depth {depth}: expected at least 1 document per query")
    spec = METHODS[method_name]
    topics = load_topics(COLLECTIONS[collection], language_pair)
    retriever = spec.implementation(spec, spec.parameters(params), cache_dir("work", collection, pair, method_name))
    retriever.out = out
    retriever.plan(board_topics(COLLECTIONS[collection], {pair: topics}))  # choices across pairs as `run` makes them
    reason = retriever.unavailable_reason(topics)
    if reason is not None:
        raise Unavailable(reason)
    retriever.prepare(topics)

    def retrieve(frame: pd.DataFrame) -> pd.DataFrame:
        missing = {"qid", "query"} - set(frame.columns)
        if missing:
            raise HarnessError(
                f"{method_name}: the query frame needs columns qid and query; missing {', '.join(sorted(missing))}"
            )
        extra = [c for c in frame.columns if c not in RESULT_COLUMNS and c not in ("docno", "docid")]
        queries = dict(zip(frame["qid"].astype(str), frame["query"].astype(str)))
        ranking = retriever.retrieve(queries, depth) if queries else {}
        rows = [
            (qid, doc_id, float(score), rank)
            for qid in queries
            for rank, (doc_id, score) in enumerate(trec_order(ranking.get(qid, [])))
        ]
        results = pd.DataFrame(rows, columns=["qid", "docno", "score", "rank"])
        results = results.astype({"score": "float64", "rank": "int64"})
        # PyTerrier keeps the query's columns on every result row (query, and any others such as query_0).
        per_query = frame.assign(qid=frame["qid"].astype(str))[["qid", "query", *extra]].drop_duplicates("qid")
        return results.merge(per_query, on="qid", how="left")[RESULT_COLUMNS + extra]

    def outputs(columns: list[str]) -> list[str]:
        return RESULT_COLUMNS + [c for c in columns if c not in RESULT_COLUMNS and c not in ("docno", "docid")]

    return pt.apply.generic(retrieve, transform_outputs=outputs, label=f"harness:{method_name}")
